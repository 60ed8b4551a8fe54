import type { StepCurvePoint } from '../../shared/schemas/telemetry-report.ts';
import type { SlotWait } from '../../shared/slot-wait.ts';
import type { SuspicionReason } from '../../worker/routing/index.ts';
import type { PolicyName } from './scenario-schema.ts';

/** One client request. */
export interface Job {
  readonly id: number;
  readonly arrivalAt: number;
  readonly dispatcher: number;
  /** Images, each of which takes a slot. */
  readonly images: number;
  readonly steps: number;
  /** Megapixels of one image. */
  readonly megapixels: number;
  /** Megapixel-steps (`requestWork`). */
  readonly work: number;
  /** Finished (first response back at the dispatcher), ms; -1 while open. */
  doneAt: number;
  copies: Copy[];
  hedged: boolean;
  /** Times the edge moved it off a queue on acknowledgement (`shouldReroute`). */
  moves: number;
  /** Sent to two pools at once (`tiesRequest`), and neither told to drop it yet. */
  tied: boolean;
}

/** A job as it arrives at `dispatcher`: the request drawn, no copy sent yet. */
export function newJob(
  id: number,
  arrivalAt: number,
  dispatcher: number,
  request: { readonly n: number; readonly steps: number; readonly megapixels: number; readonly work: number },
): Job {
  return {
    id,
    arrivalAt,
    dispatcher,
    images: request.n,
    steps: request.steps,
    megapixels: request.megapixels,
    work: request.work,
    doneAt: -1,
    copies: [],
    hedged: false,
    moves: 0,
    tied: false,
  };
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
  /** Images not yet given a slot at its pool. */
  unstarted: number;
  /** Images not yet finished at its pool. */
  unfinished: number;
  /** When its first image got a slot. */
  startedAt: number;
  /** When the dispatcher heard the pool accepted it. */
  ackAt: number;
  /** What its acknowledgement said was left of it, ms (one of a tied pair; -1 until then). */
  remainingOnAckMs: number;
}

/** Everything that can happen, in time order. */
export type SimEvent =
  | { readonly kind: 'arrival' }
  | { readonly kind: 'copy-at-pool'; readonly copy: Copy }
  | { readonly kind: 'complete'; readonly pool: number; readonly epoch: number }
  | { readonly kind: 'response'; readonly copy: Copy; readonly load: LoadFigures }
  | { readonly kind: 'failure'; readonly copy: Copy }
  | {
      readonly kind: 'ack';
      readonly copy: Copy;
      /** Images in front of it when it was admitted; `waiting`: no image of it started at once. */
      readonly ahead: number;
      readonly waiting: boolean;
      readonly load: LoadFigures;
      /** The megapixels of the batch it went into, its own images included (0 while `waiting`). */
      readonly batchMegapixels: number;
      /** While `waiting`: the pool's wait till its slot and its running batch (`PoolSim.waitOf`). */
      readonly wait: SlotWait | null;
    }
  | { readonly kind: 'cancel-at-pool'; readonly copy: Copy }
  | { readonly kind: 'report-tick' }
  | { readonly kind: 'reports-arrive'; readonly reports: readonly (PoolReport | null)[] }
  | { readonly kind: 'suspicion-arrive'; readonly pool: number; readonly reason: SuspicionReason }
  | { readonly kind: 'refresh'; readonly dispatcher: number }
  | { readonly kind: 'fault'; readonly fault: number; readonly start: boolean }
  | { readonly kind: 'hedge-check'; readonly copy: Copy }
  | { readonly kind: 'stall-check'; readonly copy: Copy };

/** The load a pool piggybacks on a response: images, and megapixel-steps. */
export interface LoadFigures {
  readonly queued: number;
  readonly running: number;
  readonly queuedWork: number;
  readonly runningWork: number;
}

/** A pool's telemetry report as the registry receives it. */
export interface PoolReport extends LoadFigures {
  readonly jobMs: number | null;
  /** EWMA of its recent steps, ms (telemetry `ewma_step_ms`). */
  readonly stepMs: number | null;
  readonly at: number;
  /** Its measured step curve (`CurveMeter`): empty before its first step. */
  readonly curve: readonly StepCurvePoint[];
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
  /**
   * Per job: its own unloaded service time, ms: alone on the pool that would finish it soonest,
   * round trip included (the denominator of its slowdown).
   */
  readonly unloadedMs: Float64Array;
  /** Per job: the pool whose answer finished it (-1 if none). */
  readonly servedBy: Int16Array;
  /** Per job: its images. */
  readonly images: Uint16Array;
  /**
   * Per job: what its copies cost, USD: price per image x images for every copy that started on
   * its pool (a hedge's loser, or a cancelled copy that had started, is billed too).
   */
  readonly costUsd: Float64Array;
  /** Per job, with `--regret`: its first send's `decisionRegret` (NaN if it was never sent). */
  readonly decisionRegret?: Float64Array;
  readonly sends: number;
  readonly sendsToUnavailable: number;
  readonly hedges: number;
  /** Per fault (scenario order): the last send to that pool during the fault, s after it began; -1 if none. */
  readonly lastSendIntoFaultS: readonly number[];
}
