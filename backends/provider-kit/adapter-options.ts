import { z } from 'zod';
import { requestWork, type WorkFunction } from '../../shared/index.ts';
import type { FetchFunction } from '../backend.ts';
import { JoinedJobs } from './joined-jobs.ts';

const isFunction = (value: unknown) => typeof value === 'function';

/** Why an output URL may not be fetched, or null when it may (`refuseOutputUrl`). */
export type OutputUrlJudge = (url: string) => string | null;
/** How long a probe or a cancel waits for the provider unless configured. */
const DEFAULT_WAIT_MS = 5_000;
/** The largest output file downloaded unless configured (an isolate has 128 MB for everything). */
const DEFAULT_MAX_IMAGE_BYTES = 32 * 1024 * 1024;

/** A positive whole number of ms, `fallback` when absent. */
export function msOption(fallback: number = DEFAULT_WAIT_MS) {
  return z.number().int().positive().default(fallback);
}

/** The largest output file an adapter downloads, in bytes. */
export function maxImageBytesOption() {
  return z.number().int().positive().default(DEFAULT_MAX_IMAGE_BYTES);
}

/**
 * The options every provider adapter takes; each extends it with its own (`.extend({ … })`).
 * `fetch` and `now` default to the runtime's ({@link adapterRuntime}); `requestTimeoutMs` caps
 * how long a caller waits below its deadline (then it fails retryably, as gpu-node's does).
 */
export const adapterOptionsSchema = z.object({
  fetch: z.custom<FetchFunction>(isFunction, 'fetch must be a function').optional(),
  now: z.custom<() => number>(isFunction, 'now must be a function').optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
  /**
   * Judges a provider's output URL before it is downloaded: the reason it is refused, or null.
   * The edge passes its outbound policy (no internal names or special addresses), so a provider
   * cannot make it fetch from inside someone's network; absent: any http(s) URL.
   */
  refuseOutputUrl: z.custom<OutputUrlJudge>(isFunction, 'refuseOutputUrl must be a function').optional(),
});

/**
 * The options of adapters for hosted job APIs (Replicate, fal), which poll, cancel at the
 * provider and download output files: `pollIntervalMs` between polls, `cancelTimeoutMs` for a
 * cancel (and for a submit to name the job), `maxImageBytes` per file, and `work`, the
 * request's work in megapixel-steps (`requestWork` by default).
 */
export function hostedOptionsSchema(pollIntervalMs: number) {
  return adapterOptionsSchema.extend({
    pollIntervalMs: msOption(pollIntervalMs),
    cancelTimeoutMs: msOption(),
    maxImageBytes: maxImageBytesOption(),
    work: z.custom<WorkFunction>(isFunction, 'work must be a function').default(() => requestWork),
  });
}

/** What one adapter instance shares between its calls. */
export interface AdapterContext<Settings> {
  readonly settings: Settings;
  readonly send: FetchFunction;
  readonly now: () => number;
  /** The jobs this instance has in flight, joined by job id. */
  readonly jobs: JoinedJobs;
}

/** An adapter instance's context: its settings, their `fetch` and clock (else the runtime's), no jobs yet. */
export function adapterContext<Settings extends z.infer<typeof adapterOptionsSchema>>(
  settings: Settings,
): AdapterContext<Settings> {
  return {
    settings,
    // A closure: a Worker's global fetch throws "Illegal invocation" when called as a method.
    send: settings.fetch ?? ((url, init) => fetch(url, init)),
    now: settings.now ?? (() => Date.now()),
    jobs: new JoinedJobs(),
  };
}
