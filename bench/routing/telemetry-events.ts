import type { DispatcherState } from './dispatcher-state.ts';
import type { SimulationContext } from './sim-context.ts';

// Telemetry: pools report every `reportIntervalMs`; reports reach the registry after the
// telemetry delay; each isolate copies the registry every T (with jitter).

/** Every pool reports; the reports reach the registry after the telemetry delay. */
export function onReportTick(sim: SimulationContext): void {
  const delay = sim.scenario.telemetryDelayMs + extraTelemetryDelayMs(sim);
  sim.at(sim.now + delay, {
    kind: 'reports-arrive',
    reports: sim.pools.map((pool) => pool.report(sim.now)),
  });
  sim.at(sim.now + sim.scenario.reportIntervalMs, { kind: 'report-tick' });
}

/** Extra report delay from any telemetry-delay fault open now. */
export function extraTelemetryDelayMs(sim: SimulationContext): number {
  let extra = 0;
  for (const fault of sim.scenario.faults) {
    if (fault.kind !== 'telemetry-delay') continue;
    const sinceS = sim.now / 1_000 - fault.startS;
    if (sinceS >= 0 && sinceS < fault.durationS) extra = Math.max(extra, fault.delayMs);
  }
  return extra;
}

/** An isolate copies the registry, then waits T with jitter. */
export function onRefresh(sim: SimulationContext, index: number): void {
  const dispatcher = sim.dispatchers[index] as DispatcherState;
  dispatcher.snapshot = sim.registry.views();
  const jitter = sim.scenario.refreshJitter;
  const period = sim.scenario.refreshMs * (1 - jitter + 2 * jitter * sim.jitterRandom.next());
  sim.at(sim.now + period, { kind: 'refresh', dispatcher: index });
}
