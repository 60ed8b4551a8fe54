import { round } from '../gpu-node/percentiles.ts';

/** GC pauses V8's `--trace-gc` printed, by kind. */
export interface GcTraceSummary {
  readonly by_kind: Readonly<
    Record<string, { readonly count: number; readonly total_ms: number; readonly max_ms: number }>
  >;
  /** Pauses of at least `longMs`, in order: V8's time since isolate start (ms), kind, pause. */
  readonly long_pauses: readonly { readonly at_ms: number; readonly kind: string; readonly ms: number }[];
}

// `[pid:0x…]   12345 ms: Scavenge 5.1 (6.2) -> 4.3 (7.2) MB, pooled: 0.0 MB, 1.23 / 0.00 ms (…`
const GC_LINE = /\]\s+(\d+) ms: ([A-Za-z-]+(?: \(reduce\))?) .*?([\d.]+) \/ [\d.]+ ms/;

/** Reads `--trace-gc` lines (other lines are ignored). */
export function summarizeGcTrace(text: string, longMs: number): GcTraceSummary {
  const byKind: Record<string, { count: number; total_ms: number; max_ms: number }> = {};
  const longPauses: { at_ms: number; kind: string; ms: number }[] = [];
  for (const line of text.split('\n')) {
    const match = GC_LINE.exec(line);
    if (!match) continue;
    const [, at, kind = '?', pause] = match;
    const ms = Number(pause);
    const entry = byKind[kind] ?? { count: 0, total_ms: 0, max_ms: 0 };
    byKind[kind] = entry;
    entry.count++;
    entry.total_ms = round(entry.total_ms + ms, 2) ?? 0;
    entry.max_ms = Math.max(entry.max_ms, ms);
    if (ms >= longMs) longPauses.push({ at_ms: Number(at), kind, ms });
  }
  return { by_kind: byKind, long_pauses: longPauses };
}
