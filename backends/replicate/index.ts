export { createReplicateBackend } from './replicate-backend.ts';
export {
  REPLICATE_MAX_WAIT_SECONDS,
  type ReplicateOptions,
  type ReplicateSettings,
  replicateOptionsSchema,
} from './replicate-options.ts';
