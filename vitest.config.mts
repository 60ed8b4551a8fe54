import { defineConfig } from 'vitest/config';

// Two projects: Node-side code and cross-part tests (real gpu-node processes, real ONNX
// Runtime), and the Worker's tests, which run inside workerd.
export default defineConfig({
  test: {
    projects: [
      'worker/vitest.config.mts',
      {
        test: {
          name: 'node',
          include: [
            'gpu-node/**/*.test.ts',
            'shared/**/*.test.ts',
            'test/**/*.test.ts',
            'bench/**/*.test.ts',
            'scripts/**/*.test.ts',
            'sdk/**/*.test.ts',
          ],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Real processes and ONNX sessions on a 2-core machine: run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
