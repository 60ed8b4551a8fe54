import { request } from 'undici';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { BenchCredentials } from './bench-credentials.ts';
import type { InstantPool } from './instant-pool.ts';
import { instantPoolId } from './instant-pool-protocol.ts';
import { benchModel, benchSize } from './instant-response.ts';

/** The generation request every Spillway request in the bench posts. */
export const benchGenerationBody = JSON.stringify({
  prompt: 'a lighthouse at dusk',
  model: benchModel,
  size: benchSize,
  steps: 1,
  seed: 7,
});

/**
 * Registers the instant pool on a Spillway edge through its admin API (provider, pool, tenant,
 * API key), starts the pool's heartbeats to it, and waits until a generation is routed there.
 * Returns the tenant's API key.
 */
export async function registerInstantPool(
  edgeUrl: string,
  credentials: BenchCredentials,
  pool: InstantPool,
  heartbeatIntervalMs = 500,
): Promise<string> {
  const admin = adminClient(edgeUrl, credentials.operatorToken);
  await admin.putProvider({ id: 'bench-provider', name: 'Bench provider' });
  await admin.putPool({
    id: instantPoolId,
    provider_id: 'bench-provider',
    url: pool.url,
    region: 'local',
    models: [benchModel],
    capacity: 256,
    public_key: {
      ...credentials.poolPublicJwk,
      kty: 'OKP',
      crv: 'Ed25519',
      x: String(credentials.poolPublicJwk.x),
    },
  });
  await pool.startHeartbeats(edgeUrl, instantPoolId, credentials.poolKeyPath, heartbeatIntervalMs);
  await admin.putTenant({ id: 'bench', name: 'Bench tenant', tier: 'paid' });
  // The bench measures the edge's path, admission's limiter call included, not rate limiting: at
  // ~1,000 requests/s the paid default (6,000/min) would answer most of the load with 429.
  const limits = await request(`${edgeUrl}/v1/admin/tenants/bench/limits`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${credentials.operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      requests_per_minute: 1_000_000,
      images_per_minute: 1_000_000,
      concurrent_generations: 10_000,
    }),
  });
  if (limits.statusCode !== 200) {
    throw new Error(`limits of the bench tenant: ${limits.statusCode} ${await limits.body.text()}`);
  }
  await limits.body.dump();
  const { key } = await admin.mintKey('bench');
  await waitUntilRoutable(edgeUrl, key);
  return key;
}

/** Posts generations until one succeeds (the edge has fresh telemetry for the pool). */
async function waitUntilRoutable(edgeUrl: string, apiKey: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const response = await request(`${edgeUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: benchGenerationBody,
    });
    last = `${response.statusCode}: ${(await response.body.text()).slice(0, 300)}`;
    if (response.statusCode === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the edge at ${edgeUrl} never routed a generation to the instant pool (last: ${last})`);
}
