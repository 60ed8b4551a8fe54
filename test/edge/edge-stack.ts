import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack/local-stack.ts';

/** Starts the real local stack (edge in workerd + two gpu-node pools) with fast heartbeats. */
export function startTestStack(extraFlags: readonly string[] = []): Promise<LocalStack> {
  const folder = mkdtempSync(join(tmpdir(), 'spillway-edge-'));
  return startLocalStack({
    stateFolder: folder,
    devVarsPath: join(folder, '.dev.vars'),
    edgePort: 0,
    persistFolder: null,
    heartbeatIntervalMs: 200,
    telemetryTtlMs: 3_000,
    pools: [
      { id: 'pool-a', provider: 'provider-a', region: 'local', extraFlags },
      { id: 'pool-b', provider: 'provider-b', region: 'local', extraFlags },
    ],
  });
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
 * Waits until every pool's telemetry reached the registry, then until the edge isolate's
 * snapshot (at most 2 s old) has certainly caught up.
 */
export async function waitForTelemetry(stack: LocalStack, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${stack.edgeUrl}/v1/admin/pools`, {
      headers: { authorization: `Bearer ${stack.operatorToken}` },
    });
    const pools = ((await response.json()) as { data: Array<{ telemetry_received_at: number | null }> }).data;
    const fresh = (receivedAt: number | null) => receivedAt !== null && Date.now() - receivedAt < 1_000;
    if (pools.length === stack.pools.length && pools.every((pool) => fresh(pool.telemetry_received_at))) {
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the edge never saw telemetry from every pool');
}
