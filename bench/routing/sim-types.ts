import type { SuspicionReason } from '../../worker/routing/index.ts';
import type { PolicyName } from './scenario-schema.ts';

/** One client request. */
export interface Job {
  readonly id: number;
  readonly arrivalAt: number;
  readonly dispatcher: number;
  /** Finished (first response back at the dispatcher), ms; -1 while open. */
  doneAt: number;
  copies: Copy[];
  hedged: boolean;
  /** Times the edge moved it off a queue on acknowledgement (`shouldReroute`). */
  moves: number;
}

/** Where one attempt of a job stands. */
export type CopyState = 'transit' | 'queued' | 'running' | 'done' | 'cancelled' | 'failed';

/** One attempt of a job at one pool (a failover or a hedge is another copy). */
export interface Copy {
  readonly job: Job;
  readonly pool: number;
  readonly sentAt: number;
  readonly predictedMs: number;
  /** The rest of the failover order picked with this copy. */
  readonly failover: readonly number[];
  state: CopyState;
  /** Pool progress at which it finishes (see `PoolSim`). */
  finishV: number;
  startedAt: number;
  /** When the dispatcher heard the pool accepted it. */
  ackAt: number;
}

/** Everything that can happen, in time order. */
export type SimEvent =
  | { readonly kind: 'arrival' }
  | { readonly kind: 'copy-at-pool'; readonly copy: Copy }
  | { readonly kind: 'complete'; readonly pool: number; readonly epoch: number }
  | { readonly kind: 'response'; readonly copy: Copy; readonly queued: number; readonly running: number }
  | { readonly kind: 'failure'; readonly copy: Copy }
  | {
      readonly kind: 'ack';
      readonly copy: Copy;
      /** Images in front of it when it was admitted; `waiting`: it did not start at once. */
      readonly ahead: number;
      readonly waiting: boolean;
      readonly queued: number;
      readonly running: number;
    }
  | { readonly kind: 'cancel-at-pool'; readonly copy: Copy }
  | { readonly kind: 'report-tick' }
  | { readonly kind: 'reports-arrive'; readonly reports: readonly (PoolReport | null)[] }
  | { readonly kind: 'suspicion-arrive'; readonly pool: number; readonly reason: SuspicionReason }
  | { readonly kind: 'refresh'; readonly dispatcher: number }
  | { readonly kind: 'fault'; readonly fault: number; readonly start: boolean }
  | { readonly kind: 'hedge-check'; readonly copy: Copy }
  | { readonly kind: 'stall-check'; readonly copy: Copy };

/** A pool's telemetry report as the registry receives it. */
export interface PoolReport {
  readonly queued: number;
  readonly running: number;
  readonly jobMs: number | null;
  readonly at: number;
}

/** Whether the copy is still somewhere between the isolate and a finished image. */
export function isActive(copy: Copy): boolean {
  return copy.state === 'transit' || copy.state === 'queued' || copy.state === 'running';
}

/** What one run of one policy produced. */
export interface RunResult {
  readonly policy: PolicyName;
  readonly seed: number;
  /** Per job (warm-up included): arrival time and latency (NaN if it never finished). */
  readonly arrivalAt: Float64Array;
  readonly latencyMs: Float64Array;
  /** Per job: the pool whose answer finished it (-1 if none). */
  readonly servedBy: Int16Array;
  readonly sends: number;
  readonly sendsToUnavailable: number;
  readonly hedges: number;
  /** Per fault (scenario order): the last send to that pool during the fault, s after it began; -1 if none. */
  readonly lastSendIntoFaultS: readonly number[];
}
