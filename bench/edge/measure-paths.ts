import { round } from '../gpu-node/percentiles.ts';
import { type LoadTarget, measureLoad } from './load.ts';
import type { StallSummary } from './stall-trace.ts';

/** One path's figures: latency at one client, throughput at many. */
export interface PathResult {
  /** Sequential requests, one client, one keep-alive connection. */
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly mean_ms: number | null;
  readonly requests_1_client: number;
  /** CPU of the process tree serving this path per request at one client (see load.ts). */
  readonly cpu_ms_per_request_1_client: Readonly<Record<string, number>> | null;
  /** Requests/s with `clients` closed-loop clients. */
  readonly rps: number;
  readonly clients: number;
  readonly loaded_p50_ms: number | null;
  readonly loaded_p99_ms: number | null;
  readonly requests_loaded: number;
  /** CPU of the process tree serving this path per request under load. */
  readonly cpu_ms_per_request_loaded: Readonly<Record<string, number>> | null;
  /** Pauses of every request in flight under load (bench/edge/stall-trace.ts). */
  readonly loaded_stalls: StallSummary | null;
  /** This path's p50 minus the upstream's own (measured in the same interleaved run). */
  readonly added_p50_ms: number | null;
  /** Non-200 answers and failed requests, both measurements together. */
  readonly errors: number;
}

/** How hard and how long to drive each path. */
export interface MeasureSettings {
  readonly warmup: number;
  readonly latencyRequests: number;
  readonly clients: number;
  readonly durationMs: number;
  readonly log: (line: string) => void;
}

/** Sequential requests go in blocks of this many per path, alternating between paths. */
const LATENCY_BLOCK = 25;
/** Throughput is measured in windows of this length, alternating between paths. */
const THROUGHPUT_WINDOW_MS = 1_000;

/**
 * Measures several paths: latency at one client in alternating blocks of 25 requests, then
 * throughput in alternating one-second windows. `directName` names the upstream's own path, the
 * reference for `added_p50_ms`.
 */
export async function measurePaths(
  targets: readonly LoadTarget[],
  directName: string | null,
  settings: MeasureSettings,
): Promise<Map<string, PathResult>> {
  const names = targets.map((target) => target.name).join(', ');
  settings.log(`latency at 1 client: ${names}`);
  const latency = await measureLoad(targets, {
    clients: 1,
    rounds: Math.max(1, Math.round(settings.latencyRequests / LATENCY_BLOCK)),
    round: { count: LATENCY_BLOCK },
    warmup: { count: settings.warmup },
  });
  settings.log(`throughput at ${settings.clients} clients, alternating 1 s windows: ${names}`);
  const throughput = await measureLoad(targets, {
    clients: settings.clients,
    rounds: Math.max(1, Math.round(settings.durationMs / THROUGHPUT_WINDOW_MS)),
    round: { durationMs: THROUGHPUT_WINDOW_MS },
    warmup: { durationMs: 500 },
  });
  const direct = directName === null ? null : (latency.get(directName)?.p50_ms ?? null);
  const results = new Map<string, PathResult>();
  for (const target of targets) {
    const single = latency.get(target.name);
    const loaded = throughput.get(target.name);
    const p50 = single?.p50_ms ?? null;
    results.set(target.name, {
      p50_ms: p50,
      p99_ms: single?.p99_ms ?? null,
      mean_ms: single?.mean_ms ?? null,
      requests_1_client: single?.requests ?? 0,
      cpu_ms_per_request_1_client: single?.cpu_ms_per_request ?? null,
      rps: loaded?.rps ?? 0,
      clients: settings.clients,
      loaded_p50_ms: loaded?.p50_ms ?? null,
      loaded_p99_ms: loaded?.p99_ms ?? null,
      requests_loaded: loaded?.requests ?? 0,
      cpu_ms_per_request_loaded: loaded?.cpu_ms_per_request ?? null,
      loaded_stalls: loaded?.stalls ?? null,
      added_p50_ms:
        direct === null || p50 === null || target.name === directName ? null : round(p50 - direct, 3),
      errors: (single?.errors ?? 0) + (loaded?.errors ?? 0),
    });
  }
  return results;
}
