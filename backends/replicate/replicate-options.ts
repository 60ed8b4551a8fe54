import { z } from 'zod';
import { hostedOptionsSchema, msOption } from '../provider-kit/index.ts';

/** Replicate holds a `Prefer: wait` request at most this long (its docs: 1 to 60 seconds). */
export const REPLICATE_MAX_WAIT_SECONDS = 60;
/** Pause between `GET` polls of an unfinished prediction unless configured. */
const DEFAULT_POLL_INTERVAL_MS = 1_000;
/** How long a create asks Replicate to hold it unless configured. */
const DEFAULT_SYNC_WAIT_SECONDS = 5;

/**
 * Options of the Replicate adapter: those of every hosted adapter (`hostedOptionsSchema`:
 * `fetch`, `now`, `requestTimeoutMs`, `pollIntervalMs`, `cancelTimeoutMs` (also how long a cancel
 * waits for a held create to name the prediction), `maxImageBytes`, `work`), and:
 *
 * - `syncWaitSeconds`: how long the create request asks Replicate to hold it (`Prefer: wait=n`)
 *   before polling takes over, further bounded by the call's deadline. While it is held the
 *   prediction has no id to cancel yet, so a long hold delays cancels; a short one costs polls.
 * - `probeTimeoutMs`: how long a probe waits for Replicate's list of predictions.
 */
export const replicateOptionsSchema = hostedOptionsSchema(DEFAULT_POLL_INTERVAL_MS).extend({
  syncWaitSeconds: z.number().int().min(0).max(REPLICATE_MAX_WAIT_SECONDS).default(DEFAULT_SYNC_WAIT_SECONDS),
  probeTimeoutMs: msOption(),
});

/** Options as a caller writes them. */
export type ReplicateOptions = z.input<typeof replicateOptionsSchema>;
/** Options with defaults applied. */
export type ReplicateSettings = z.infer<typeof replicateOptionsSchema>;
