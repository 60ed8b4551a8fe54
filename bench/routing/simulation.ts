import { hedgeDelayMs, type RoutingPolicy } from '../../worker/routing/index.ts';
import { billOf } from './billing.ts';
import { decisionRegret } from './decision-regret.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import { refreshProgress } from './edge-reactions.ts';
import { EventQueue } from './event-queue.ts';
import { noteSendIntoFault } from './fault-events.ts';
import { firstPaceCheckAt } from './pace-reactions.ts';
import type { DecisionContext, SimPolicy } from './policies/index.ts';
import type { PoolSim } from './pool-sim.ts';
import { RegistrySim } from './registry-sim.ts';
import { drawRequest, type RequestMix } from './request-mix.ts';
import { exponential, gamma, type Random, seededRandom } from './rng.ts';
import type { PolicyName, Scenario } from './scenario-schema.ts';
import { handleEvent, type SimulationCore, scheduleFirstEvents } from './sim-events.ts';
import {
  fleetCapacityPerMs,
  fleetOf,
  makeDispatchers,
  makePolicy,
  makePools,
  mixOf,
  routingPolicyOf,
} from './sim-setup.ts';
import { type Copy, type Job, type LoadFigures, newJob, type RunResult, type SimEvent } from './sim-types.ts';
import { bestAloneMs } from './true-curves.ts';

/** How long after the last arrival a run may take to drain. */
const DRAIN_LIMIT_MS = 600_000;
/**
 * Most events in a row at one instant. Past it the clock is stuck (an event that reschedules
 * itself at `now`): the run stops with an error instead of hanging. Far above any real burst (a
 * refresh per isolate, at most 4,096, and a few events per copy).
 */
const MAX_EVENTS_AT_ONE_TIME = 1_000_000;

/** What a run measures besides latency. */
export interface SimulateOptions {
  /** Judge each first send against the exact completion on every pool (`decisionRegret`). */
  readonly regret?: boolean;
}

/** Runs one policy on one seed of a scenario. Arrivals use their own stream: common random numbers. */
export function simulate(
  scenario: Scenario,
  policyName: PolicyName,
  seed: number,
  options: SimulateOptions = {},
): RunResult {
  return new Simulation(scenario, makePolicy(policyName, scenario), seed, options).run();
}

/** One run: the event loop and the core handlers (edge reactions and faults live beside it). */
export class Simulation implements SimulationCore {
  readonly events = new EventQueue<SimEvent>();
  readonly pools: PoolSim[];
  readonly dispatchers: DispatcherState[];
  readonly registry: RegistrySim;
  readonly routing: RoutingPolicy;
  readonly poolIds: string[];
  readonly poolIndex: Map<string, number>;
  readonly arrivalsRandom: Random;
  readonly pickRandom: Random;
  /** The stream that draws each request's size (common to every policy). */
  readonly sizeRandom: Random;
  readonly mix: RequestMix;
  readonly policyRandom: () => number;
  readonly jitterRandom: Random;
  readonly meanGapMs: number;
  readonly arrivalAt: Float64Array;
  readonly latencyMs: Float64Array;
  readonly unloadedMs: Float64Array;
  readonly servedBy: Int16Array;
  /** Per job: its first send's regret, when measured. */
  readonly decisionRegret: Float64Array | undefined;
  /** Every job created, for billing its copies at the end. */
  readonly jobs: Job[] = [];
  readonly lastSendIntoFaultS: number[];
  now = 0;
  lastArrivalAt = 0;
  created = 0;
  open = 0;
  sends = 0;
  sendsToUnavailable = 0;
  hedges = 0;

  readonly scenario: Scenario;
  readonly policy: SimPolicy;
  readonly seed: number;

  constructor(scenario: Scenario, policy: SimPolicy, seed: number, options: SimulateOptions = {}) {
    this.scenario = scenario;
    this.policy = policy;
    this.seed = seed;
    this.pools = makePools(scenario, seed);
    this.dispatchers = makeDispatchers(scenario);
    this.registry = new RegistrySim(fleetOf(scenario));
    this.routing = routingPolicyOf(scenario);
    this.poolIds = fleetOf(scenario).map((spec) => spec.id);
    this.poolIndex = new Map(this.poolIds.map((id, index) => [id, index]));
    this.arrivalsRandom = seededRandom(seed, 1);
    this.pickRandom = seededRandom(seed, 2);
    const policyStream = seededRandom(seed, 3);
    this.policyRandom = () => policyStream.next();
    this.jitterRandom = seededRandom(seed, 4);
    this.sizeRandom = seededRandom(seed, 5);
    this.mix = mixOf(scenario);
    this.meanGapMs = 1 / (scenario.rho * fleetCapacityPerMs(scenario));
    // A NaN or infinite gap puts every arrival at NaN, where no event is ever late enough to end
    // the run. The schema keeps the mix's means finite; this names the cause if one slips through.
    if (!(this.meanGapMs > 0 && Number.isFinite(this.meanGapMs)))
      throw new Error(`scenario ${scenario.name}: mean gap between arrivals is ${this.meanGapMs} ms`);
    this.arrivalAt = new Float64Array(scenario.jobsPerSeed);
    this.latencyMs = new Float64Array(scenario.jobsPerSeed).fill(Number.NaN);
    this.unloadedMs = new Float64Array(scenario.jobsPerSeed);
    this.servedBy = new Int16Array(scenario.jobsPerSeed).fill(-1);
    this.decisionRegret = options.regret
      ? new Float64Array(scenario.jobsPerSeed).fill(Number.NaN)
      : undefined;
    this.lastSendIntoFaultS = scenario.faults.map(() => -1);
  }

  run(): RunResult {
    scheduleFirstEvents(this);
    let sameTime = 0;
    for (;;) {
      const time = this.events.peekTime();
      const event = this.events.pop();
      if (!event) break;
      sameTime = time === this.now ? sameTime + 1 : 0;
      if (Number.isNaN(time) || sameTime > MAX_EVENTS_AT_ONE_TIME)
        throw new Error(
          `${this.policy.name}, seed ${this.seed}: the clock is stuck at ${time} ms (${event.kind} events) with ${this.open} jobs open`,
        );
      this.now = time;
      handleEvent(this, event);
      if (this.created >= this.scenario.jobsPerSeed && this.open === 0) break;
      // A job lost to a bug must not hang a benchmark: it stays unfinished (NaN, in the tail).
      if (this.created >= this.scenario.jobsPerSeed && time > this.lastArrivalAt + DRAIN_LIMIT_MS) break;
    }
    return {
      policy: this.policy.name,
      seed: this.seed,
      arrivalAt: this.arrivalAt,
      latencyMs: this.latencyMs,
      unloadedMs: this.unloadedMs,
      servedBy: this.servedBy,
      ...(this.decisionRegret ? { decisionRegret: this.decisionRegret } : {}),
      ...billOf(fleetOf(this.scenario), this.jobs, this.scenario.jobsPerSeed),
      sends: this.sends,
      sendsToUnavailable: this.sendsToUnavailable,
      hedges: this.hedges,
      lastSendIntoFaultS: this.lastSendIntoFaultS,
    };
  }

  at(time: number, event: SimEvent): void {
    this.events.push(time, event);
  }

  nextGapMs(): number {
    const arrivals = this.scenario.arrivals;
    return arrivals.kind === 'poisson'
      ? exponential(this.arrivalsRandom, this.meanGapMs)
      : gamma(this.arrivalsRandom, arrivals.shape, this.meanGapMs);
  }

  onArrival(): void {
    const id = this.created++;
    const dispatcher = Math.floor(this.pickRandom.next() * this.dispatchers.length);
    const job = newJob(id, this.now, dispatcher, drawRequest(this.mix, this.sizeRandom));
    this.arrivalAt[id] = this.now;
    this.jobs.push(job);
    const { rtt } = this.dispatchers[dispatcher] as DispatcherState;
    this.unloadedMs[id] = bestAloneMs(this.pools, rtt, job);
    this.open++;
    this.dispatch(job, -1);
    if (this.created < this.scenario.jobsPerSeed) this.at(this.now + this.nextGapMs(), { kind: 'arrival' });
    else this.lastArrivalAt = this.now;
  }

  context(job: Job, exclude: number): DecisionContext {
    const dispatcher = this.dispatchers[job.dispatcher] as DispatcherState;
    if (this.policy.edgeFeatures) refreshProgress(this, dispatcher);
    return {
      now: this.now,
      job,
      dispatcher,
      views: this.scenario.refreshMs > 0 ? dispatcher.snapshot : this.registry.views(),
      pools: this.pools,
      random: this.policyRandom,
      exclude,
      routing: this.routing,
      poolIndex: this.poolIndex,
    };
  }

  /** Routes a job (or a hedge of it, leaving out `exclude`); returns whether a copy went out. */
  dispatch(job: Job, exclude: number): boolean {
    const decision = this.policy.decide(this.context(job, exclude));
    const [first, ...failover] = decision.pools;
    if (this.decisionRegret && first !== undefined && job.copies.length === 0) {
      const rtt = (this.dispatchers[job.dispatcher] as DispatcherState).rtt;
      this.decisionRegret[job.id] = decisionRegret(this.pools, rtt, job, first, this.now);
    }
    if (first === undefined) {
      if (!job.copies.some((copy) => this.isLive(copy))) this.finish(job, Number.NaN);
      return false;
    }
    this.send(job, first, failover, decision.predictedMs);
    const { tie } = decision;
    if (tie && job.copies.length === 1) {
      job.tied = true;
      (this.dispatchers[job.dispatcher] as DispatcherState).ties.add(job);
      this.send(
        job,
        tie.pool,
        failover.filter((pool) => pool !== tie.pool),
        tie.predictedMs,
      );
    }
    return true;
  }

  send(job: Job, pool: number, failover: readonly number[], predictedMs: number): void {
    const dispatcher = this.dispatchers[job.dispatcher] as DispatcherState;
    const target = this.pools[pool] as PoolSim;
    const copy: Copy = {
      job,
      pool,
      sentAt: this.now,
      predictedMs,
      failover,
      state: 'transit',
      unstarted: job.images,
      unfinished: job.images,
      startedAt: 0,
      ackAt: 0,
      remainingOnAckMs: -1,
    };
    job.copies.push(copy);
    dispatcher.begin(copy, this.poolIds[pool] ?? '', this.now);
    if (job.copies.length === 1) dispatcher.requests++;
    target.inTransit.add(copy);
    this.sends++;
    if (target.dead || target.stalledSince >= 0) this.sendsToUnavailable++;
    noteSendIntoFault(this, pool);
    this.at(this.now + (dispatcher.rtt[pool] ?? 0) / 2, { kind: 'copy-at-pool', copy });
    if (this.policy.edgeFeatures && !job.hedged) {
      const clockAt = this.now + hedgeDelayMs(predictedMs, this.policy.hedgePolicy);
      const checkAt = this.policy.paceHedges ? firstPaceCheckAt(this.now, predictedMs) : clockAt;
      this.at(Math.min(clockAt, checkAt), { kind: 'hedge-check', copy });
    }
  }

  onResponse(copy: Copy, load: LoadFigures): void {
    const dispatcher = this.dispatchers[copy.job.dispatcher] as DispatcherState;
    const poolId = this.poolIds[copy.pool] ?? '';
    dispatcher.end(copy, poolId);
    dispatcher.piggybacked.set(poolId, { ...load, at: this.now });
    dispatcher.lastProgressAt.set(poolId, this.now);
    const { job } = copy;
    if (job.doneAt >= 0) return;
    this.finish(job, this.now - job.arrivalAt);
    this.servedBy[job.id] = copy.pool;
    for (const other of job.copies) {
      if (other === copy || !this.isLive(other)) continue;
      dispatcher.end(other, this.poolIds[other.pool] ?? '');
      if (other.state === 'transit') {
        other.state = 'cancelled';
        (this.pools[other.pool] as PoolSim).inTransit.delete(other);
      } else this.at(this.now + this.rttOf(other) / 2, { kind: 'cancel-at-pool', copy: other });
    }
  }

  finish(job: Job, latencyMs: number): void {
    job.doneAt = this.now;
    this.latencyMs[job.id] = latencyMs;
    this.open--;
  }

  /** Whether the isolate still waits on this copy (not answered, failed, cancelled or moved). */
  isLive(copy: Copy): boolean {
    return (this.dispatchers[copy.job.dispatcher] as DispatcherState).active[copy.pool]?.has(copy) ?? false;
  }

  rttOf(copy: Copy): number {
    return (this.dispatchers[copy.job.dispatcher] as DispatcherState).rtt[copy.pool] ?? 0;
  }
}
