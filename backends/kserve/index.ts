export { createKserveBackend } from './kserve-backend.ts';
export {
  type KserveOptions,
  type KserveSettings,
  kserveOptionsSchema,
  tritonMetricsUrl,
} from './kserve-options.ts';
