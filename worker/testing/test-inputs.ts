import {
  type PoolInput,
  type ProviderInput,
  poolInputSchema,
  providerInputSchema,
  type TelemetryReport,
  type TenantSettings,
  telemetryReportSchema,
  tenantSettingsSchema,
} from '../../shared/index.ts';

/** A fresh public Ed25519 JWK, as a pool or an app issuer would register it. */
export async function publicEd25519Jwk(): Promise<{ kty: 'OKP'; crv: 'Ed25519'; x: string }> {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  if (!('publicKey' in pair)) throw new Error('Ed25519 generateKey returned a single key');
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  if (jwk instanceof ArrayBuffer || typeof jwk.x !== 'string') throw new Error('no JWK x member');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}

/** A provider input, validated as the admin API would. */
export function providerInput(overrides: Partial<ProviderInput> = {}): ProviderInput {
  return providerInputSchema.parse({
    id: 'runpod',
    name: 'RunPod',
    credentials_ref: 'RUNPOD_TOKEN',
    ...overrides,
  });
}

/** A pool input with a real public key, validated as the admin API would. */
export async function poolInput(overrides: Partial<PoolInput> = {}): Promise<PoolInput> {
  return poolInputSchema.parse({
    id: 'runpod-eu-1',
    provider_id: 'runpod',
    url: 'https://eu-1.pools.example',
    region: 'eu',
    models: ['dcgan-64'],
    capacity: 8,
    public_key: { ...(await publicEd25519Jwk()), kid: 'pool-key-1' },
    ...overrides,
  });
}

/** A telemetry report as gpu-node sends it. */
export function telemetryReport(overrides: Partial<TelemetryReport> = {}): TelemetryReport {
  return telemetryReportSchema.parse({
    pool_id: 'runpod-eu-1',
    version: '0.1.0',
    timestamp: 1_800_000_000_000,
    models: [{ name: 'dcgan-64', sizes: ['64x64'], default_size: '64x64', default_steps: 1, max_steps: 1 }],
    execution_provider: 'cuda',
    slots: 8,
    running: 2,
    queued: 1,
    max_queue: 64,
    ewma_step_ms: 3.5,
    ewma_job_ms: 12,
    throughput_images_per_s: 40,
    gpus: [
      {
        index: 0,
        name: 'NVIDIA H100',
        utilization_pct: 35,
        memory_used_bytes: 1e9,
        memory_total_bytes: 8e10,
      },
    ],
    draining: false,
    ready: true,
    ...overrides,
  });
}

/** A tenant input with app tokens, validated as the admin API would. */
export async function tenantInput(overrides: Partial<TenantSettings> = {}): Promise<TenantSettings> {
  return tenantSettingsSchema.parse({
    id: 'acme',
    name: 'Acme Inc.',
    tier: 'paid',
    allowed_regions: ['eu'],
    app_tokens: {
      issuer: 'https://auth.acme.example',
      audience: 'spillway',
      jwks: { keys: [{ ...(await publicEd25519Jwk()), kid: 'acme-1', alg: 'EdDSA' }] },
    },
    ...overrides,
  });
}

/** A random API key and its lower-case hex SHA-256, as the Worker mints them. */
export async function mintedKey(): Promise<{ key: string; hash: string }> {
  const key = `sk_test_${crypto.randomUUID().replaceAll('-', '')}`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  const hash = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return { key, hash };
}
