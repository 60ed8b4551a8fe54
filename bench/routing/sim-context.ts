import type { RoutingPolicy } from '../../worker/routing/index.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import type { DecisionContext, SimPolicy } from './policies/index.ts';
import type { PoolSim } from './pool-sim.ts';
import type { RegistrySim } from './registry-sim.ts';
import type { Random } from './rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { Copy, Job, SimEvent } from './sim-types.ts';

/**
 * What the event handlers (`pool-events.ts`, `fault-events.ts`, `edge-reactions.ts`,
 * `telemetry-events.ts`) see of a run. `Simulation` implements it; the handlers depend on this
 * interface rather than on the class, so the class can import them without an import cycle.
 */
export interface SimulationContext {
  readonly scenario: Scenario;
  readonly policy: SimPolicy;
  readonly routing: RoutingPolicy;
  readonly registry: RegistrySim;
  readonly pools: readonly PoolSim[];
  readonly dispatchers: readonly DispatcherState[];
  /** Pool ids by pool index. */
  readonly poolIds: readonly string[];
  /** Pool index by pool id. */
  readonly poolIndex: ReadonlyMap<string, number>;
  /** The stream that jitters snapshot refreshes. */
  readonly jitterRandom: Random;
  /** Per fault window: the latest second into it that a copy was sent to its pool, -1 if none. */
  readonly lastSendIntoFaultS: number[];
  /** Simulated time of the event being handled, ms. */
  readonly now: number;
  /** Hedges sent so far (a handler that hedges counts it here). */
  hedges: number;
  /** Schedules an event at `time`, ms. */
  at(time: number, event: SimEvent): void;
  /** Round trip between the copy's isolate and its pool, ms. */
  rttOf(copy: Copy): number;
  /** Whether the isolate still waits on this copy (not answered, failed, cancelled or moved). */
  isLive(copy: Copy): boolean;
  /** What the policy sees when it routes this job, leaving out pool `exclude` (-1 for none). */
  context(job: Job, exclude: number): DecisionContext;
  /** Routes a job (or a hedge of it, leaving out `exclude`); returns whether a copy went out. */
  dispatch(job: Job, exclude: number): boolean;
  /** Sends a copy of the job to `pool`, with the rest of its failover order. */
  send(job: Job, pool: number, failover: readonly number[], predictedMs: number): void;
}
