import { describe, expect, it } from 'vitest';
import { headline } from './edge-report.ts';
import type { PathResult } from './measure-paths.ts';

function path(rps: number, loadedP99: number, p50 = 1, stalls = 0): PathResult {
  return {
    p50_ms: p50,
    p99_ms: p50 * 2,
    mean_ms: p50,
    requests_1_client: 100,
    cpu_ms_per_request_1_client: null,
    rps,
    clients: 32,
    loaded_p50_ms: loadedP99 / 2,
    loaded_p99_ms: loadedP99,
    requests_loaded: rps,
    cpu_ms_per_request_loaded: null,
    loaded_stalls: { count: stalls, window_s: 8, per_s: stalls / 8, total_ms: stalls * 60, longest_ms: null },
    added_p50_ms: null,
    errors: 0,
  };
}

describe('edge report headline', () => {
  it('edge report: compares Spillway with Portkey by throughput and loaded p99', () => {
    const result = headline({
      direct: path(10_000, 10, 0.3),
      bare: path(1_000, 80, 1.2, 4),
      spillway: path(900, 90, 1.4, 5),
      portkey: path(600, 100, 2, 3),
    });
    expect(result.throughput_ratio_over_portkey).toBe(1.5);
    expect(result.loaded_p99_over_portkey).toBe(0.9);
    expect(result.met.throughput_ratio_over_portkey).toBe(true);
    expect(result.met.loaded_p99_over_portkey).toBe(true);
    expect(result.loaded_stalls).toEqual({ spillway: 5, bare: 4, portkey: 3, window_s: 8 });
  });

  it('edge report: leaves the Portkey figures null when Portkey was skipped', () => {
    const result = headline({ direct: null, bare: path(1_000, 80), spillway: path(900, 90), portkey: null });
    expect(result.throughput_ratio_over_portkey).toBeNull();
    expect(result.loaded_p99_over_portkey).toBeNull();
    expect(result.met.loaded_p99_over_portkey).toBeNull();
  });
});
