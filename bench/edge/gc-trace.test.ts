import { describe, expect, it } from 'vitest';
import { summarizeGcTrace } from './gc-trace.ts';

// Lines as workerd's V8 prints them with --trace-gc.
const trace = [
  '[26158:0x71b6bfc60000]      249 ms: Scavenge 5.0 (6.0) -> 4.7 (6.8) MB, pooled: 0.0 MB, 7.17 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure; ',
  '[26158:0x71b6bfc60000]      329 ms: Scavenge 6.5 (8.5) -> 5.8 (9.3) MB, pooled: 0.0 MB, 24.82 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure; ',
  '[26158:0x71b6bfc60000]    11125 ms: Mark-Compact 20.5 (28.2) -> 7.1 (28.2) MB, pooled: 0.0 MB, 90.53 / 0.00 ms (average mu = 0.992, current mu = 0.992) background allocation failure; GC in old space requested',
  'workerd/server/server.c++:4242: info: some other line',
].join('\n');

describe('gc trace', () => {
  it('gc trace: sums pauses by kind and lists the long ones', () => {
    const summary = summarizeGcTrace(trace, 20);
    expect(summary.by_kind).toEqual({
      Scavenge: { count: 2, total_ms: 31.99, max_ms: 24.82 },
      'Mark-Compact': { count: 1, total_ms: 90.53, max_ms: 90.53 },
    });
    expect(summary.long_pauses).toEqual([
      { at_ms: 329, kind: 'Scavenge', ms: 24.82 },
      { at_ms: 11125, kind: 'Mark-Compact', ms: 90.53 },
    ]);
  });
});
