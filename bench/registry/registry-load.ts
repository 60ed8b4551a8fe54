import type { RegistryLoad as FleetRegistryLoad } from '../../worker/fleet/fleet-load.ts';

/** One registry object's load counters, as its bench endpoint answers them. */
type RegistryLoad = Omit<FleetRegistryLoad, 'since'>;

/** Every object's counters, read at one moment. */
export interface LoadSample {
  readonly at: number;
  readonly loads: ReadonlyMap<string, RegistryLoad>;
}

/** Reads the counters of the named registry objects. */
export async function readLoads(edgeUrl: string, names: readonly string[]): Promise<LoadSample> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const response = await fetch(`${edgeUrl}/__bench/load?name=${encodeURIComponent(name)}`);
      return [name, (await response.json()) as RegistryLoad] as const;
    }),
  );
  return { at: Date.now(), loads: new Map(entries) };
}

/** Per object and per second between two samples. */
export function objectRates(before: LoadSample, after: LoadSample) {
  const seconds = (after.at - before.at) / 1_000;
  return [...after.loads].map(([name, end]) => {
    const start = before.loads.get(name);
    const rate = (key: keyof RegistryLoad) =>
      Math.round(((end[key] - (start?.[key] ?? 0)) / seconds) * 10) / 10;
    return {
      name,
      requestsPerS: Math.round((rate('reads') + rate('reports') + rate('otherRequests')) * 10) / 10,
      readsPerS: rate('reads'),
      deltaReadsPerS: rate('deltaReads'),
      fullReadsPerS: rate('fullReads'),
      reportsPerS: rate('reports'),
      coalescedPerS: rate('coalesced'),
      fullReportsPerS: rate('fullReports'),
      writesPerS: rate('writes'),
      refreshedRowsPerS: rate('refreshedRows'),
    };
  });
}
