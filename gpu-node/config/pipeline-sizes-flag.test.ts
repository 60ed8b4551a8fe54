import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGpuNodeConfig } from './gpu-node-config.ts';

const GPU_NODE_MAIN = resolve(import.meta.dirname, '../main.ts');

/** The environment without the SPILLWAY_* variables gpu-node would read as flags. */
function withoutSpillwayVariables(environment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(environment).filter(([name]) => !name.startsWith('SPILLWAY_')));
}

describe('--pipeline-sizes', () => {
  it('gpu-node config: a pipeline size off the VAE grid is refused naming the flag, with or without --pipeline', () => {
    for (const raw of [{}, { pipeline: 'sd=models/sd' }]) {
      const parsed = parseGpuNodeConfig({ insecureNoAuth: true, pipelineSizes: '512x512,512x51', ...raw });
      expect(parsed).toEqual({
        ok: false,
        message:
          'invalid gpu-node configuration:\n  --pipeline-sizes: 512x51 is not WIDTHxHEIGHT in multiples of 8',
      });
    }
  });

  it('gpu-node config: a size that is not WIDTHxHEIGHT is named once', () => {
    const parsed = parseGpuNodeConfig({ insecureNoAuth: true, pipelineSizes: 'big' });
    expect(parsed.ok ? [] : parsed.message.split('\n').slice(1)).toEqual([
      '  --pipeline-sizes: size must look like "256x256"',
    ]);
  });

  it('gpu-node config: sizes in multiples of 8 are kept in order', () => {
    const parsed = parseGpuNodeConfig({ insecureNoAuth: true, pipelineSizes: '768x512, 512x512' });
    expect(parsed.ok && parsed.config.pipelineSizes).toEqual(['768x512', '512x512']);
  });

  it('gpu-node: a bad --pipeline-sizes without --pipeline stops it at start with exit code 2', () => {
    const run = spawnSync(
      process.execPath,
      [GPU_NODE_MAIN, '--insecure-no-auth', '--port', '0', '--pipeline-sizes', '512x51'],
      { cwd: tmpdir(), encoding: 'utf8', timeout: 30_000, env: withoutSpillwayVariables(process.env) },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'invalid gpu-node configuration:\n  --pipeline-sizes: 512x51 is not WIDTHxHEIGHT in multiples of 8\n' +
        'Run with --help for every option.\n',
    );
  });
});
