import { Agent, request } from 'undici';
import { percentileOfSorted, round, sortedAscending } from '../gpu-node/percentiles.ts';

/** One HTTP path the bench drives: where to POST, with which headers and body. */
export interface LoadTarget {
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Latency at one client: requests one after another on one keep-alive connection. */
export interface LatencyResult {
  readonly requests: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly mean_ms: number | null;
  readonly errors: number;
}

/** Throughput at `clients` concurrent clients, each on its own keep-alive connection. */
export interface ThroughputResult {
  readonly clients: number;
  readonly duration_s: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly errors: number;
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

/**
 * Latency at one client for several targets, interleaved in blocks (A×block, B×block, …, repeated)
 * so drift on a shared host (thermal, background work) affects every target alike.
 */
export async function measureLatency(
  targets: readonly LoadTarget[],
  options: { warmup: number; requests: number; block: number },
): Promise<Map<string, LatencyResult>> {
  const agents = targets.map(() => new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 }));
  const samples = targets.map((): number[] => []);
  const errors = targets.map(() => 0);
  try {
    for (const [index, target] of targets.entries()) {
      const agent = agents[index];
      if (!agent) continue;
      for (let warm = 0; warm < options.warmup; warm++) await timedRequest(target, agent);
    }
    for (let done = 0; done < options.requests; done += options.block) {
      const count = Math.min(options.block, options.requests - done);
      for (const [index, target] of targets.entries()) {
        const agent = agents[index];
        if (!agent) continue;
        for (let sent = 0; sent < count; sent++) {
          const latency = await timedRequest(target, agent);
          if (latency === null) errors[index] = (errors[index] ?? 0) + 1;
          else samples[index]?.push(latency);
        }
      }
    }
  } finally {
    await Promise.all(agents.map((agent) => agent.close()));
  }
  return new Map(
    targets.map((target, index) => {
      const sorted = sortedAscending(samples[index] ?? []);
      const total = sorted.reduce((sum, value) => sum + value, 0);
      const result: LatencyResult = {
        requests: sorted.length,
        p50_ms: round(percentileOfSorted(sorted, 0.5), 3),
        p99_ms: round(percentileOfSorted(sorted, 0.99), 3),
        mean_ms: sorted.length === 0 ? null : round(total / sorted.length, 3),
        errors: errors[index] ?? 0,
      };
      return [target.name, result];
    }),
  );
}

/** Requests/s with `clients` closed-loop clients for `durationMs`, after a short warm-up. */
export async function measureThroughput(
  target: LoadTarget,
  options: { clients: number; durationMs: number; warmupMs: number },
): Promise<ThroughputResult> {
  const agent = new Agent({ connections: options.clients, pipelining: 1, keepAliveTimeout: 60_000 });
  const run = async (durationMs: number) => {
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    const client = async () => {
      while (performance.now() < deadline) {
        const latency = await timedRequest(target, agent);
        if (latency === null) errors++;
        else latencies.push(latency);
      }
    };
    await Promise.all(Array.from({ length: options.clients }, client));
    return { latencies, errors, elapsedMs: performance.now() - started };
  };
  try {
    await run(options.warmupMs);
    const { latencies, errors, elapsedMs } = await run(options.durationMs);
    const sorted = sortedAscending(latencies);
    return {
      clients: options.clients,
      duration_s: round(elapsedMs / 1000, 2) ?? 0,
      requests: latencies.length,
      rps: Math.round(latencies.length / (elapsedMs / 1000)),
      p50_ms: round(percentileOfSorted(sorted, 0.5), 3),
      p99_ms: round(percentileOfSorted(sorted, 0.99), 3),
      errors,
    };
  } finally {
    await agent.close();
  }
}
