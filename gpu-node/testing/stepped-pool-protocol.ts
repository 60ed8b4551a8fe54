/** What the parent test asks of a stepped pool process (`stepped-pool-main.ts`); `id` pairs the reply. */
export type SteppedPoolCommand = { readonly id: number } & (
  | { readonly kind: 'step' }
  | { readonly kind: 'run-freely' }
  | { readonly kind: 'pause' }
  | { readonly kind: 'when-submitted'; readonly count: number }
  | { readonly kind: 'state' }
);

/** One sample the engine was handed. */
export interface SubmittedSample {
  readonly sampleId: string;
  readonly prompt: string;
  readonly steps: number;
}

/** The pool's engine and queue as they are once a command was carried out. */
export interface SteppedPoolState {
  /** Every sample handed to the engine, in order. */
  readonly submitted: readonly SubmittedSample[];
  /** Every sample id the scheduler asked the engine to drop, in order. */
  readonly cancelRequests: readonly string[];
  /** Ids of the samples in the batch now. */
  readonly runningIds: readonly string[];
  /** Images waiting in the scheduler's queue for a slot. */
  readonly queued: number;
}

/** The answer to one {@link SteppedPoolCommand}. */
export interface SteppedPoolReply {
  readonly id: number;
  readonly state: SteppedPoolState;
}
