import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminClient, type PoolListing } from '../../scripts/local-stack/admin-client.ts';
import { type LocalPool, type LocalStack, startLocalStack } from '../../scripts/local-stack/local-stack.ts';
import type { PoolStarter } from '../../scripts/local-stack/pool-process.ts';
import { SNAPSHOT_HARD_MAX_AGE_MS } from '../../worker/fleet/fleet-cache.ts';

/** How often the test pools push telemetry: fast, so the edge hears of a change soon. */
export const TEST_HEARTBEAT_INTERVAL_MS = 200;
/** The edge's `TELEMETRY_TTL_MS` in test stacks: telemetry older than this excludes a pool. */
export const TEST_TELEMETRY_TTL_MS = 3_000;
/**
 * Slack on top of `SNAPSHOT_HARD_MAX_AGE_MS`: a snapshot's age counts from when the registry read
 * that made it completed, a moment after the registry answered it.
 */
const REGISTRY_READ_SLACK_MS = 100;
/** How often the registry is read while a test waits for it. */
const REGISTRY_POLL_MS = 100;
/** A bound for a state the registry never reaches, not an estimate of how long it takes. */
const REGISTRY_WAIT_LIMIT_MS = 20_000;

/** The two pools of a test stack, each registered as its own provider (`provider-a`, `provider-b`). */
export type TestPoolId = 'pool-a' | 'pool-b';
/** Those and pool-c (`provider-c`), started when asked for (`TestStackOptions.withPoolC`). */
export type StackPoolId = TestPoolId | 'pool-c';

/** How a test stack's pools run. */
export interface TestStackOptions {
  /** gpu-node flags for every pool that runs as a process. */
  readonly extraFlags?: readonly string[];
  /** Per pool, flags that replace `extraFlags`. */
  readonly poolFlags?: Partial<Record<StackPoolId, readonly string[]>>;
  /** Per pool, how it runs instead of a real gpu-node process (`test/support/in-process-pool.ts`). */
  readonly startPool?: Partial<Record<StackPoolId, PoolStarter>>;
  /** Starts a third pool, pool-c of provider-c. */
  readonly withPoolC?: boolean;
  /** The edge alone: for tests of the admin API that need no pool. */
  readonly withoutPools?: boolean;
}

/** Starts the local stack (edge in workerd + pool-a, pool-b and optionally pool-c, or no pool) with fast heartbeats. */
export function startTestStack(options: TestStackOptions = {}): Promise<LocalStack> {
  const folder = mkdtempSync(join(tmpdir(), 'spillway-edge-'));
  const pool = (id: StackPoolId, provider: string) => {
    const startPool = options.startPool?.[id];
    const extraFlags = options.poolFlags?.[id] ?? (startPool ? [] : (options.extraFlags ?? []));
    return { id, provider, region: 'local', extraFlags, ...(startPool ? { startPool } : {}) };
  };
  return startLocalStack({
    stateFolder: folder,
    devVarsPath: join(folder, '.dev.vars'),
    edgePort: 0,
    persistFolder: null,
    heartbeatIntervalMs: TEST_HEARTBEAT_INTERVAL_MS,
    telemetryTtlMs: TEST_TELEMETRY_TTL_MS,
    pools: options.withoutPools
      ? []
      : [
          pool('pool-a', 'provider-a'),
          pool('pool-b', 'provider-b'),
          ...(options.withPoolC ? [pool('pool-c', 'provider-c')] : []),
        ],
  });
}

/** The stack's pool with this id. */
export function poolOf(stack: LocalStack, id: string): LocalPool {
  const pool = stack.pools.find((candidate) => candidate.id === id);
  if (!pool) throw new Error(`the stack has no pool ${id}`);
  return pool;
}

/** POSTs a generation through the edge and returns status, serving pool and body. */
export async function generateViaEdge(stack: LocalStack, body: object, token = stack.apiKey) {
  const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    pool: response.headers.get('x-spillway-pool'),
    provider: response.headers.get('x-spillway-provider'),
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/**
 * Reads the edge's registry (`GET /v1/admin/pools`) until `ready` holds for what it lists, and
 * returns that listing; `what` names the awaited state in the error if it never comes.
 */
export async function waitForRegistry(
  stack: LocalStack,
  what: string,
  ready: (pools: readonly PoolListing[]) => boolean,
): Promise<PoolListing[]> {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  const deadline = Date.now() + REGISTRY_WAIT_LIMIT_MS;
  let listed: PoolListing[] = [];
  while (Date.now() < deadline) {
    listed = await admin.listPools();
    if (ready(listed)) return listed;
    await new Promise((resolve) => setTimeout(resolve, REGISTRY_POLL_MS));
  }
  throw new Error(`the edge's registry never showed ${what}; last listed ${JSON.stringify(listed)}`);
}

/** The listing of pool `id`, or undefined. */
export function listingOf(pools: readonly PoolListing[], id: string): PoolListing | undefined {
  return pools.find((pool) => pool.id === id);
}

/**
 * Resolves once every fleet snapshot the edge isolate may still route with was read from the
 * registry after this call: an isolate serves one for at most `SNAPSHOT_HARD_MAX_AGE_MS`.
 */
export function waitForSnapshotRefresh(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SNAPSHOT_HARD_MAX_AGE_MS + REGISTRY_READ_SLACK_MS));
}

/**
 * Waits until the registry holds a report from every pool received after this call began, then
 * until the edge isolate routes with a snapshot that holds them ({@link waitForSnapshotRefresh}).
 */
export async function waitForTelemetry(stack: LocalStack): Promise<void> {
  const since = Date.now();
  await waitForRegistry(stack, `a report from every pool since ${since}`, (pools) =>
    stack.pools.every((pool) => (listingOf(pools, pool.id)?.telemetry_received_at ?? 0) >= since),
  );
  await waitForSnapshotRefresh();
}
