import { onAck, onHedgeCheck, onStallCheck } from './edge-reactions.ts';
import { onFailure, onFault } from './fault-events.ts';
import { onCancelAtPool, onComplete, onCopyAtPool } from './pool-events.ts';
import type { SimulationContext } from './sim-context.ts';
import type { Copy, LoadFigures, SimEvent } from './sim-types.ts';
import { onRefresh, onReportTick } from './telemetry-events.ts';

/** The run's own handlers, beside what every handler may use (`SimulationContext`). */
export interface SimulationCore extends SimulationContext {
  /** A request arrives at an isolate. */
  onArrival(): void;
  /** A copy's answer reached its isolate with the pool's piggybacked load. */
  onResponse(copy: Copy, load: LoadFigures): void;
  /** Time to the next arrival, ms. */
  nextGapMs(): number;
}

/**
 * The run's first events: every pool's report at time 0, each isolate's first snapshot and
 * jittered refresh, the report ticks, the fault windows and the first arrival.
 */
export function scheduleFirstEvents(sim: SimulationCore): void {
  sim.registry.receive(
    sim.pools.map((pool) => pool.report(0)),
    0,
  );
  for (const dispatcher of sim.dispatchers) {
    dispatcher.snapshot = sim.registry.views();
    if (sim.scenario.refreshMs > 0) {
      sim.at(sim.jitterRandom.next() * sim.scenario.refreshMs, {
        kind: 'refresh',
        dispatcher: dispatcher.index,
      });
    }
  }
  sim.at(sim.scenario.reportIntervalMs, { kind: 'report-tick' });
  sim.scenario.faults.forEach((fault, index) => {
    sim.at(fault.startS * 1_000, { kind: 'fault', fault: index, start: true });
    sim.at((fault.startS + fault.durationS) * 1_000, { kind: 'fault', fault: index, start: false });
  });
  sim.at(sim.nextGapMs(), { kind: 'arrival' });
}

/** Hands one event to its handler. */
export function handleEvent(sim: SimulationCore, event: SimEvent): void {
  switch (event.kind) {
    case 'arrival':
      sim.onArrival();
      break;
    case 'copy-at-pool':
      onCopyAtPool(sim, event.copy);
      break;
    case 'complete':
      onComplete(sim, event.pool, event.epoch);
      break;
    case 'response':
      sim.onResponse(event.copy, event.load);
      break;
    case 'failure':
      onFailure(sim, event.copy);
      break;
    case 'ack':
      onAck(sim, event);
      break;
    case 'cancel-at-pool':
      onCancelAtPool(sim, event.copy);
      break;
    case 'report-tick':
      onReportTick(sim);
      break;
    case 'reports-arrive':
      sim.registry.receive(event.reports, sim.now);
      break;
    case 'suspicion-arrive':
      sim.registry.suspect(event.pool, sim.now, event.reason);
      break;
    case 'refresh':
      onRefresh(sim, event.dispatcher);
      break;
    case 'fault':
      onFault(sim, event.fault, event.start);
      break;
    case 'hedge-check':
      onHedgeCheck(sim, event.copy);
      break;
    case 'stall-check':
      onStallCheck(sim, event.copy);
      break;
  }
}
