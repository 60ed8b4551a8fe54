import { emptySourceStats, type SourceStats } from '../../worker/fleet/source-stats.ts';
import type { SimulatedPool } from './simulated-pools.ts';
import { nextReport } from './simulated-pools.ts';

/** Heartbeats in flight at most; past this the driver falls behind and says so. */
const MAX_IN_FLIGHT = 128;
/** How often the heartbeat driver wakes to send what is due, ms. */
const TICK_MS = 5;
/** A driver more than this many heartbeats behind drops the backlog instead of bursting it. */
const MAX_BACKLOG_SECONDS = 1;

/** What the heartbeat driver saw. */
export interface HeartbeatResults {
  readonly sent: number;
  readonly accepted: number;
  readonly refused: number;
  readonly dropped: number;
  /** Acceptance latency of each accepted heartbeat (POST to 204), ms. */
  readonly latenciesMs: number[];
}

/** Sends each pool's signed heartbeat once per second, spread evenly, until `until`. */
export async function driveHeartbeats(
  edgeUrl: string,
  pools: readonly SimulatedPool[],
  burstShare: number,
  until: number,
): Promise<HeartbeatResults> {
  const results = { sent: 0, accepted: 0, refused: 0, dropped: 0, latenciesMs: [] as number[] };
  const started = Date.now();
  const pending = new Set<Promise<void>>();
  let cursor = 0;
  const send = async (pool: SimulatedPool) => {
    const token = await pool.sign(nextReport(pool, burstShare, Math.random));
    const sentAt = performance.now();
    const response = await fetch(`${edgeUrl}/v1/pools/${pool.id}/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/jwt' },
      body: token,
    });
    await response.arrayBuffer();
    if (response.status === 204) {
      results.accepted += 1;
      results.latenciesMs.push(performance.now() - sentAt);
    } else {
      results.refused += 1;
    }
  };
  while (Date.now() < until) {
    const due = Math.floor(((Date.now() - started) * pools.length) / 1_000);
    if (due - cursor > pools.length * MAX_BACKLOG_SECONDS) {
      results.dropped += due - cursor;
      cursor = due;
    }
    while (cursor < due && pending.size < MAX_IN_FLIGHT) {
      const pool = pools[cursor % pools.length];
      cursor += 1;
      if (!pool) continue;
      results.sent += 1;
      const sending = send(pool).catch(() => {
        results.refused += 1;
      });
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  return results;
}

/** What the isolate loops saw: the sum over isolates of their stats' growth, and refresh latency. */
export interface IsolateResults {
  readonly stats: SourceStats;
  readonly pools: number;
  /** Refreshes that failed (connection reset by an overloaded runtime). */
  readonly errors: number;
  readonly refreshLatenciesMs: number[];
}

/**
 * Runs `count` isolates refreshing once per second each (staggered), until `until`. With
 * `homeOf`, isolate `index` routes every request to pools of region `homeOf(index)` (so it reads
 * that shard every time and the others every few seconds, `FleetSnapshotSource`).
 */
export async function driveIsolates(
  edgeUrl: string,
  count: number,
  shared: boolean,
  until: number,
  homeOf?: (index: number) => string,
): Promise<IsolateResults> {
  const latencies: number[] = [];
  const first = new Map<number, SourceStats>();
  const last = new Map<number, SourceStats>();
  let pools = 0;
  let errors = 0;
  const loop = async (index: number) => {
    await new Promise((resolve) => setTimeout(resolve, (index * 1_000) / count));
    while (Date.now() < until) {
      const startedAt = performance.now();
      try {
        const response = await fetch(
          `${edgeUrl}/__bench/isolates/isolate-${index}/refresh?shared=${shared ? 1 : 0}${
            homeOf ? `&home=${encodeURIComponent(homeOf(index))}` : ''
          }`,
          {
            method: 'POST',
          },
        );
        const body = (await response.json()) as { pools: number; stats: SourceStats };
        latencies.push(performance.now() - startedAt);
        pools = body.pools;
        if (!first.has(index)) first.set(index, body.stats);
        last.set(index, body.stats);
      } catch {
        // An overloaded local runtime resets connections: counted, and the loop goes on.
        errors += 1;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, 1_000 - (performance.now() - startedAt))),
      );
    }
  };
  await Promise.all(Array.from({ length: count }, (_, index) => loop(index)));
  const stats = emptySourceStats();
  for (const [index, end] of last) {
    const start = first.get(index);
    if (!start) continue;
    for (const key of Object.keys(stats) as (keyof SourceStats)[]) stats[key] += end[key] - start[key];
  }
  return { stats, pools, errors, refreshLatenciesMs: latencies };
}
