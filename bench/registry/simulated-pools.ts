import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createHeartbeatSigner, type HeartbeatSigner } from '../../gpu-node/security/heartbeat-signer.ts';
import type { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { TelemetryReport } from '../../shared/index.ts';

/** Slots each simulated pool reports. */
const POOL_SLOTS = 8;
/** Images a simulated pool usually carries (queued + running). */
const BASE_QUEUED = 1;
const BASE_RUNNING = 2;
/** Images a load change adds. */
const BURST_IMAGES = 4;

/** One simulated gpu-node pool: its id, region, key and the state of its figures. */
export interface SimulatedPool {
  readonly id: string;
  readonly region: string;
  readonly publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string };
  readonly sign: HeartbeatSigner;
  /** Whether its last report carried a burst (the next one drops back: also a load change). */
  bursting: boolean;
}

/** `count` pools with fresh Ed25519 keys, spread over `regions` round-robin. */
export function simulatedPools(count: number, regions: readonly string[]): SimulatedPool[] {
  return Array.from({ length: count }, (_, index) => {
    const id = `bench-pool-${String(index).padStart(5, '0')}`;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return {
      id,
      region: regions[index % regions.length] ?? 'bench',
      publicJwk: publicJwkOf(publicKey),
      sign: createHeartbeatSigner(id, privateKey, 'bench'),
      bursting: false,
    };
  });
}

/** The provider every simulated pool belongs to. */
const BENCH_PROVIDER = 'bench-provider';

/**
 * Registers the bench's provider and `pools` through the admin API, `concurrency` at a time, each
 * at `poolUrl/<id>` (a server that answers the registration's liveness check).
 */
export async function registerSimulatedPools(
  admin: ReturnType<typeof adminClient>,
  pools: readonly SimulatedPool[],
  poolUrl: string,
  concurrency: number,
): Promise<void> {
  await admin.putProvider({ id: BENCH_PROVIDER, name: 'Bench' });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let pool = pools[next++]; pool; pool = pools[next++]) {
        await admin.putPool({
          id: pool.id,
          provider_id: BENCH_PROVIDER,
          url: `${poolUrl}/${pool.id}`,
          region: pool.region,
          models: ['spillway-tiny'],
          capacity: POOL_SLOTS,
          public_key: pool.publicJwk,
        });
      }
    }),
  );
}

function publicJwkOf(key: KeyObject): SimulatedPool['publicJwk'] {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('Ed25519 key without x');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: 'bench' };
}

/**
 * The pool's next report: usually the same load with speed figures jittering by a few per cent
 * (insignificant), and with probability `burstShare` a burst of {@link BURST_IMAGES} (a load change,
 * and so is the drop back on the next report: about twice `burstShare` of reports change load).
 */
export function nextReport(pool: SimulatedPool, burstShare: number, random: () => number): TelemetryReport {
  const burst = !pool.bursting && random() < burstShare;
  pool.bursting = burst;
  return {
    pool_id: pool.id,
    version: '0.1.0',
    timestamp: Date.now(),
    models: [
      { name: 'spillway-tiny', sizes: ['64x64'], default_size: '64x64', default_steps: 1, max_steps: 1 },
    ],
    execution_provider: 'cpu',
    slots: POOL_SLOTS,
    running: BASE_RUNNING,
    queued: BASE_QUEUED + (burst ? BURST_IMAGES : 0),
    max_queue: 64,
    ewma_step_ms: 3.5 + random() / 10,
    ewma_job_ms: 12 + random() / 10,
    throughput_images_per_s: 40 + random(),
    gpus: null,
    draining: false,
    ready: true,
  };
}
