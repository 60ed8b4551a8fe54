import type { KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  type DevPoolKey,
  loadOrCreateDevEdgeKey,
  loadOrCreateDevPoolKey,
  mintDevOperatorToken,
} from '../security/dev-credentials.ts';
import { adminClient } from './admin-client.ts';
import { startEdgeRuntime } from './edge-runtime.ts';
import { type PoolProcess, type PoolStarter, startPoolProcess } from './pool-process.ts';

/** One local pool as `.spillway/local.json` lists it. */
export interface LocalPool {
  readonly id: string;
  readonly provider: string;
  readonly url: string;
  /** The pool's own process; null for a pool running inside this process. */
  readonly pid: number | null;
  readonly process: PoolProcess;
  /** The pool's heartbeat signing key (PEM). */
  readonly keyPath: string;
  /** When the edge registered this start of the pool (epoch ms); telemetry from before is stale. */
  readonly registeredAt: number;
}

/** Where and how the local stack runs. */
export interface LocalStackOptions {
  readonly stateFolder: string;
  /** Where the edge's secrets live, as `wrangler dev` reads them. */
  readonly devVarsPath: string;
  readonly edgePort: number;
  readonly persistFolder: string | null;
  readonly pools: ReadonlyArray<{
    id: string;
    provider: string;
    region: string;
    extraFlags?: readonly string[];
    /** How this pool runs; {@link startPoolProcess} (its own gpu-node process) unless given. */
    startPool?: PoolStarter;
  }>;
  readonly heartbeatIntervalMs: number;
  /** Telemetry older than this excludes a pool (ms). */
  readonly telemetryTtlMs?: number;
  /** Extra Worker vars, e.g. shorter job leases or result URL lifetimes for tests. */
  readonly edgeVars?: Readonly<Record<string, string>>;
}

/** The two equal CPU pools `npm start` runs, each its own provider. */
export const NPM_START_POOLS = [
  { id: 'local-a', provider: 'provider-a', region: 'local' },
  { id: 'local-b', provider: 'provider-b', region: 'local' },
] as const satisfies LocalStackOptions['pools'];

/** A running local stack. */
export interface LocalStack {
  readonly edgeUrl: string;
  readonly apiKey: string;
  readonly operatorToken: string;
  readonly pools: readonly LocalPool[];
  /** The edge's signing key, for tests that mint tokens the way the edge does. */
  readonly edgePrivateKey: KeyObject;
  /** Restarts the edge's workerd on the same port and storage (see `EdgeRuntime.restart`). */
  restartEdge(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The edge's `LOG_LEVEL` locally: without SPILLWAY_EDGE_LOGS=1 it writes only 5xx lines (which
 * edge-runtime.ts shows). Every line written costs the edge's one workerd thread, even one this
 * process then drops: about a tenth of its CPU per generation (bench/edge `no-observability`).
 */
export function localEdgeLogLevel(): 'info' | 'error' {
  return process.env.SPILLWAY_EDGE_LOGS === '1' ? 'info' : 'error';
}

/**
 * The local default: the edge Worker in workerd plus CPU gpu-node pools registered as different
 * providers, a demo tenant and its API key. Pools push signed heartbeats to the edge. Each pool is
 * its own gpu-node process unless its `startPool` says otherwise (tests run pools in-process
 * around an engine they hold, see `PoolStarter`).
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const keyFolder = join(options.stateFolder, 'keys');
  const edgeKey = await loadOrCreateDevEdgeKey(options.devVarsPath, keyFolder);
  const edge = await startEdgeRuntime({
    port: options.edgePort,
    buildFolder: join(options.stateFolder, 'edge-build'),
    persistFolder: options.persistFolder,
    secrets: { EDGE_SIGNING_KEY: edgeKey.secretJwk },
    vars: {
      TELEMETRY_TTL_MS: String(options.telemetryTtlMs ?? 5000),
      DEFAULT_MODEL: 'spillway-tiny',
      ALLOW_PRIVATE_POOL_URLS: 'true',
      ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
      LOG_LEVEL: localEdgeLogLevel(),
      // Public URLs are built on this, never on a request's Host. With an ephemeral port (tests)
      // the URL is unknown until the runtime is up, and the edge falls back to the request origin.
      ...(options.edgePort === 0 ? {} : { PUBLIC_ORIGIN: `http://127.0.0.1:${options.edgePort}` }),
      ...options.edgeVars,
    },
  });
  const operatorToken = await mintDevOperatorToken(edgeKey.privateKey);
  const admin = adminClient(edge.url, operatorToken);
  const pools: LocalPool[] = [];
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    await Promise.all(stoppers.map((stopPool) => stopPool()));
    await edge.stop();
  };
  try {
    const planned: Array<LocalStackOptions['pools'][number] & { key: DevPoolKey }> = [];
    for (const spec of options.pools)
      planned.push({ ...spec, key: await loadOrCreateDevPoolKey(keyFolder, spec.id) });
    await forgetStaleRegistrations(admin, planned);
    for (const { key: poolKey, startPool = startPoolProcess, ...spec } of planned) {
      const started = await startPool({
        poolId: spec.id,
        edgeUrl: edge.url,
        edgePublicKeyPath: edgeKey.publicKeyPath,
        poolKeyPath: poolKey.path,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        // Only gpu-node processes share the host's cores; test pools bring their own engines.
        extraFlags:
          startPool === startPoolProcess
            ? [...coreShareFlags(options.pools.length, spec.extraFlags ?? []), ...(spec.extraFlags ?? [])]
            : (spec.extraFlags ?? []),
      });
      stoppers.push(() => started.stop());
      const registeredAt = Date.now();
      pools.push({
        id: spec.id,
        provider: spec.provider,
        url: started.url,
        pid: started.pid,
        process: started.process,
        keyPath: poolKey.path,
        registeredAt,
      });
      await admin.putProvider({ id: spec.provider, name: spec.provider });
      await admin.putPool({
        id: spec.id,
        provider_id: spec.provider,
        url: started.url,
        region: spec.region,
        models: ['spillway-tiny'],
        capacity: 4,
        public_key: { ...poolKey.publicJwk, kty: 'OKP', crv: 'Ed25519', x: String(poolKey.publicJwk.x) },
      });
    }
    await admin.putTenant({ id: 'demo', name: 'Demo tenant', tier: 'paid' });
    const { key } = await admin.mintKey('demo');
    return {
      edgeUrl: edge.url,
      apiKey: key,
      operatorToken,
      pools,
      edgePrivateKey: edgeKey.privateKey,
      restartEdge: () => edge.restart(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Drops registrations whose public key is not the pool's key any more (its key file was deleted
 * while the edge's storage was kept): until the pool is registered again, its heartbeats would be
 * refused as `bad_signature`; unregistered, they are quietly answered 404.
 */
async function forgetStaleRegistrations(
  admin: ReturnType<typeof adminClient>,
  planned: ReadonlyArray<{ id: string; key: DevPoolKey }>,
): Promise<void> {
  for (const registered of await admin.listPools()) {
    const key = planned.find((pool) => pool.id === registered.id)?.key;
    if (key && registered.public_key?.x !== key.publicJwk.x) await admin.deletePool(registered.id);
  }
}

/** Writes `.spillway/local.json` for tools and humans. */
export async function writeLocalJson(stateFolder: string, stack: LocalStack): Promise<string> {
  await mkdir(stateFolder, { recursive: true });
  const path = join(stateFolder, 'local.json');
  const content = {
    edge_url: stack.edgeUrl,
    api_key: stack.apiKey,
    operator_token: stack.operatorToken,
    pools: stack.pools.map(({ id, provider, url, pid }) => ({ id, provider, url, pid })),
  };
  await writeFile(path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/**
 * Every pool of the stack runs on this one host: each gets its share of the cores (`--cpu-cores`),
 * as an operator colocating pools would, unless its own flags say otherwise. Pools that each take
 * every core fight over them, and then each measures step times that say more about the others'
 * load than about itself (routing reads them as the pool's speed).
 */
export function coreShareFlags(poolCount: number, extraFlags: readonly string[]): string[] {
  if (extraFlags.includes('--cpu-cores')) return [];
  return ['--cpu-cores', String(Math.max(1, Math.floor(availableParallelism() / Math.max(1, poolCount))))];
}
