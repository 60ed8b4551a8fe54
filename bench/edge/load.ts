import { Agent, request } from 'undici';
import { percentileOfSorted, round, sortedAscending } from '../gpu-node/percentiles.ts';
import { CpuTally } from './process-cpu.ts';
import { findStalls, type StallSummary } from './stall-trace.ts';

/** One HTTP path the bench drives: where to POST, with which headers and body. */
export interface LoadTarget {
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The process that serves this path (with its descendants), for CPU per request. */
  readonly cpuRoot?: number;
}

/** What one measurement of one target found. */
export interface LoadResult {
  readonly requests: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly mean_ms: number | null;
  /** Requests/s over the timed windows (meaningful for the concurrent measurement). */
  readonly rps: number;
  readonly errors: number;
  /**
   * CPU (user + system) the serving process tree used per request during the timed requests, in
   * total and by executable (`workerd`; `node` is Miniflare's or wrangler's Node side).
   */
  readonly cpu_ms_per_request: Readonly<Record<string, number>> | null;
  /** Pauses in completions under load (stall-trace.ts); null for count-limited rounds. */
  readonly stalls: StallSummary | null;
}

/** One timed window: when it ran and when each of its requests completed (performance.now ms). */
interface TimedWindow {
  startedAt: number;
  endedAt: number;
  readonly completions: number[];
}

interface TargetState {
  readonly target: LoadTarget;
  readonly agent: Agent;
  readonly latencies: number[];
  readonly cpu: CpuTally;
  readonly windows: TimedWindow[];
  errors: number;
  elapsedMs: number;
}

/** Sends one request and reads the whole answer; resolves to its latency (ms) or null on failure. */
async function timedRequest(target: LoadTarget, agent: Agent): Promise<number | null> {
  const started = performance.now();
  try {
    const response = await request(target.url, {
      method: 'POST',
      dispatcher: agent,
      headers: target.headers,
      body: target.body,
    });
    await response.body.arrayBuffer();
    return response.statusCode === 200 ? performance.now() - started : null;
  } catch {
    return null;
  }
}

/** `clients` closed-loop clients for `durationMs` (or `count` requests in all); records unless warming up. */
async function drive(
  state: TargetState,
  clients: number,
  limit: { durationMs: number } | { count: number },
  record: boolean,
): Promise<void> {
  let remaining = 'count' in limit ? limit.count : Number.POSITIVE_INFINITY;
  // Only duration-limited windows keep every client busy throughout, so only they show stalls.
  const window: TimedWindow | null =
    record && 'durationMs' in limit ? { startedAt: 0, endedAt: 0, completions: [] } : null;
  // The clock starts with the clients, not before the CPU sample (a read of all of /proc).
  const run = async () => {
    const started = performance.now();
    const deadline = 'durationMs' in limit ? started + limit.durationMs : Number.POSITIVE_INFINITY;
    const client = async () => {
      while (performance.now() < deadline && remaining-- > 0) {
        const latency = await timedRequest(state.target, state.agent);
        if (!record) continue;
        window?.completions.push(performance.now());
        if (latency === null) state.errors++;
        else state.latencies.push(latency);
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    const ended = performance.now();
    if (!record) return;
    state.elapsedMs += ended - started;
    if (window) {
      window.startedAt = started;
      window.endedAt = Math.min(deadline, ended);
      state.windows.push(window);
    }
  };
  if (!record) {
    await run();
    return;
  }
  await state.cpu.measure(state.target.cpuRoot, run);
}

/**
 * Drives every target with `clients` concurrent clients, alternating between targets in rounds
 * (A, B, C, A, B, C, …) so that drift on a shared host affects every target alike; connections
 * stay open across rounds. One client with `{ count }` rounds gives sequential latency; many
 * clients with `{ durationMs }` rounds give throughput.
 */
export async function measureLoad(
  targets: readonly LoadTarget[],
  options: {
    clients: number;
    rounds: number;
    round: { durationMs: number } | { count: number };
    warmup: { durationMs: number } | { count: number };
  },
): Promise<Map<string, LoadResult>> {
  const states: TargetState[] = targets.map((target) => ({
    target,
    agent: new Agent({ connections: options.clients, pipelining: 1, keepAliveTimeout: 60_000 }),
    latencies: [],
    cpu: new CpuTally(),
    windows: [],
    errors: 0,
    elapsedMs: 0,
  }));
  try {
    for (const state of states) await drive(state, options.clients, options.warmup, false);
    for (let round = 0; round < options.rounds; round++) {
      for (const state of states) await drive(state, options.clients, options.round, true);
    }
  } finally {
    await Promise.all(states.map((state) => state.agent.close()));
  }
  return new Map(states.map((state) => [state.target.name, summarize(state)]));
}

function summarize(state: TargetState): LoadResult {
  const sorted = sortedAscending(state.latencies);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    requests: sorted.length,
    p50_ms: round(percentileOfSorted(sorted, 0.5), 3),
    p99_ms: round(percentileOfSorted(sorted, 0.99), 3),
    mean_ms: sorted.length === 0 ? null : round(total / sorted.length, 3),
    rps: state.elapsedMs > 0 ? Math.round(sorted.length / (state.elapsedMs / 1000)) : 0,
    errors: state.errors,
    cpu_ms_per_request: state.cpu.perRequest(sorted.length),
    stalls: state.windows.length === 0 ? null : findStalls(state.windows),
  };
}
