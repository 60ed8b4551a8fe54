import { createHash, timingSafeEqual } from 'node:crypto';
import { instantPoolId } from './instant-pool-protocol.ts';
import { benchModel, instantAnswer, instantLoadHeaders, instantTelemetry } from './instant-response.ts';

/** The upstream origin the handler bench's stubbed `fetch` answers for. */
export const stubPoolUrl = 'http://instant-pool.invalid';

/**
 * Stand-ins for the edge's bindings, with the shapes its Durable Objects return over RPC: one
 * fresh pool in the fleet snapshot and one tenant for any API key digest.
 */
export function stubEdgeEnv(edgeSecretJwk: string): Record<string, unknown> {
  const tenant = {
    id: 'bench',
    name: 'Bench tenant',
    tier: 'paid',
    allowed_providers: [],
    allowed_regions: [],
    app_tokens: null,
    created_at: 0,
  };
  const snapshot = () => ({
    version: 1,
    taken_at: Date.now(),
    pools: [
      {
        pool: {
          id: instantPoolId,
          provider_id: 'bench-provider',
          url: stubPoolUrl,
          region: 'local',
          models: [benchModel],
          capacity: 256,
          public_key: { kty: 'OKP', crv: 'Ed25519', x: 'unused' },
          enabled: true,
          draining: false,
          created_at: 0,
          updated_at: 0,
        },
        provider: {
          id: 'bench-provider',
          name: 'Bench',
          protocol: 'gpu-node',
          credentials_ref: null,
          created_at: 0,
        },
        telemetry: instantTelemetry(instantPoolId),
        received_at: Date.now(),
      },
    ],
  });
  const lookupApiKey = async (hash: string) => ({
    key: {
      id: 'key_bench',
      tenant_id: 'bench',
      name: 'bench',
      prefix: 'sk_live_benc',
      hash,
      created_at: 0,
      revoked_at: null,
    },
    tenant,
  });
  return {
    EDGE_SIGNING_KEY: edgeSecretJwk,
    TELEMETRY_TTL_MS: '5000',
    DEFAULT_MODEL: benchModel,
    FLEET: { getByName: () => ({ snapshot: async () => snapshot() }) },
    TENANTS: { getByName: () => ({ lookupApiKey }) },
  };
}

/**
 * Replaces the global `fetch` with the instant pool's answer, reading any request body first, so
 * the handler's outbound call costs no I/O.
 */
export function stubUpstreamFetch(): void {
  const answer = instantAnswer(instantPoolId);
  const headers = { 'content-type': 'application/json', ...instantLoadHeaders };
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    if (input instanceof Request) await input.text();
    else if (init?.body instanceof ReadableStream) await new Response(init.body).text();
    return new Response(answer('edge-bench'), { status: 200, headers });
  };
}

/**
 * Presents this process as workerd does (`navigator.userAgent` "Cloudflare-Workers"), so libraries
 * take their Workers code paths: zod, notably, then skips its `new Function` JIT for objects,
 * as it does in the edge.
 */
export function presentAsWorkers(): void {
  Object.defineProperty(globalThis.navigator, 'userAgent', {
    value: 'Cloudflare-Workers',
    configurable: true,
  });
}

/**
 * Makes Node's WebCrypto behave like workerd's where the edge relies on it: workerd's non-standard
 * `crypto.subtle.timingSafeEqual`, and SHA-256 digests computed synchronously (Node sends
 * `subtle.digest` to its thread pool, a cost workerd does not have).
 */
export function polyfillWorkerdCrypto(): void {
  const digest = crypto.subtle.digest.bind(crypto.subtle);
  Object.defineProperty(crypto.subtle, 'digest', {
    value: (...[algorithm, data]: Parameters<typeof crypto.subtle.digest>) => {
      const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
      if (name.toUpperCase() !== 'SHA-256') return digest(algorithm, data);
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data);
      const hash = createHash('sha256').update(bytes).digest();
      return Promise.resolve(hash.buffer.slice(hash.byteOffset, hash.byteOffset + hash.byteLength));
    },
  });
  Object.defineProperty(crypto.subtle, 'timingSafeEqual', {
    value: (left: ArrayBufferView, right: ArrayBufferView) =>
      left.byteLength === right.byteLength &&
      timingSafeEqual(
        new Uint8Array(left.buffer, left.byteOffset, left.byteLength),
        new Uint8Array(right.buffer, right.byteOffset, right.byteLength),
      ),
  });
}
