import type { z } from 'zod';
import { hostedOptionsSchema } from '../provider-kit/index.ts';

/** Pause between status polls of a queued or running request unless configured. */
const DEFAULT_POLL_INTERVAL_MS = 500;

/**
 * Options of the fal adapter: those of every hosted adapter (`hostedOptionsSchema`: `fetch`,
 * `now`, `requestTimeoutMs`, `pollIntervalMs` (each poll also refreshes the queue position
 * callers see), `cancelTimeoutMs` (also how long a cancel waits for a submit to name the
 * request), `maxImageBytes`, `work`).
 */
export const falOptionsSchema = hostedOptionsSchema(DEFAULT_POLL_INTERVAL_MS);

/** Options as a caller writes them. */
export type FalOptions = z.input<typeof falOptionsSchema>;
/** Options with defaults applied. */
export type FalSettings = z.infer<typeof falOptionsSchema>;
