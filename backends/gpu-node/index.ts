export { createGpuNodeBackend } from './gpu-node-backend.ts';
export { type GpuNodeOptions, type GpuNodeSettings, gpuNodeOptionsSchema } from './gpu-node-options.ts';
