import { credentialHeader } from '../../backends/provider-kit/index.ts';
import { ApiError } from '../../shared/index.ts';
import { ProviderCredentials } from '../auth/provider-credentials.ts';
import type { StoredProvider } from '../fleet/fleet-records.ts';
import { checkOutboundUrl } from '../net/index.ts';
import { HEARTBEAT_PROTOCOL } from '../routing/index.ts';

/** Why a pool URL was refused. */
export type PoolUrlProblem = 'not_http' | 'userinfo' | 'private_address' | 'unreachable';

/**
 * Refuses pool URLs an attacker with an operator token could use to reach internal services
 * (SSRF), by the edge's outbound policy (`worker/net/outbound-url.ts`): anything but http(s),
 * credentials in the URL, internal names (`localhost.`, `*.internal`, dotless names) and every
 * address outside global unicast, in any spelling. Workers' fetch reaches those only in local
 * development, where `allowPrivate` is set. Any port is accepted.
 */
export function poolUrlProblem(raw: string, allowPrivate: boolean): PoolUrlProblem | null {
  const check = checkOutboundUrl(raw, { allowPrivate, requireHttps: false });
  if (check.ok) return null;
  switch (check.refusal.reason) {
    case 'malformed':
    case 'scheme':
      return 'not_http';
    case 'userinfo':
      return 'userinfo';
    case 'internal_name':
    case 'special_address':
      return 'private_address';
  }
}

/**
 * Why a pool's base URL cannot serve as one, beyond the outbound policy ({@link poolUrlProblem}),
 * or null: a query or fragment (adapters append their paths to the base, where a query would
 * end up in the middle of the URL or be dropped), or the edge's own origin (`edgeOrigin`): the
 * edge would send its own requests, with the provider's key, back to itself.
 */
export function poolBaseProblem(raw: string, edgeOrigin: string): string | null {
  const url = parsedUrl(raw);
  if (url === null) return null;
  // An empty one (a bare `?` or `#`) parses to nothing, and still cuts the paths appended to it.
  if (raw.includes('?') || raw.includes('#')) return 'it must not have a query or fragment';
  const edge = parsedUrl(edgeOrigin);
  if (edge !== null && sameServer(url, edge)) return "it is this edge's own origin";
  return null;
}

/**
 * Whether two URLs reach the same server: the same origin, or, on the same port, two names of this
 * machine (`localhost`, `127.0.0.0/8`, `[::1]`, `0.0.0.0`): where private URLs are allowed (local
 * development) any of them reaches an edge listening on another.
 */
function sameServer(a: URL, b: URL): boolean {
  if (a.origin === b.origin) return true;
  return (
    a.protocol === b.protocol && portOf(a) === portOf(b) && isLoopback(a.hostname) && isLoopback(b.hostname)
  );
}

function portOf(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/\.$/, '').toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    host === '0.0.0.0' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

function parsedUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * The status a pool answers `GET /v2/health/live` with (null: no answer within 3 s), without
 * following redirects. `credential` goes as `Authorization: Bearer …` when there is one, as the
 * readiness probes and infer calls send it (`probeKserve`): a server behind a key-checking proxy
 * refuses the check without it.
 */
export async function livenessStatus(
  url: string,
  credential: string,
  fetcher: typeof fetch = fetch,
): Promise<number | null> {
  try {
    const response = await fetcher(new URL('v2/health/live', url.endsWith('/') ? url : `${url}/`), {
      headers: credentialHeader('Bearer', credential),
      redirect: 'manual',
      signal: AbortSignal.timeout(3_000),
    });
    await response.body?.cancel();
    return response.status;
  } catch {
    return null;
  }
}

/**
 * Why registration refuses a pool whose liveness check answered `status` (null: no answer), or
 * null when it answered 200. A 401 or 403 to a check that carried the provider's key
 * (`sentCredential`) is the key's fault, not the pool's reachability; without a key, the pool
 * asks for one.
 */
export function livenessRefusal(status: number | null, sentCredential = true): ApiError | null {
  if (status === 200) return null;
  const options = { param: 'url' };
  if ((status === 401 || status === 403) && !sentCredential) {
    return new ApiError(
      'pool_unreachable',
      `the pool answered ${status} to GET /v2/health/live, and the provider has no API key: set its credentials if the pool needs one`,
      options,
    );
  }
  if (status === 401 || status === 403) {
    return new ApiError(
      'pool_unreachable',
      `the pool refused the provider's credentials: GET /v2/health/live answered ${status}; check the provider's API key`,
      options,
    );
  }
  if (status === null)
    return new ApiError('pool_unreachable', 'the pool did not answer GET /v2/health/live', options);
  return new ApiError('pool_unreachable', `the pool answered ${status} to GET /v2/health/live`, options);
}

/**
 * The credential a pool's liveness check carries: the provider's own API key (its sealed copy
 * opened, or its named secret), as the readiness probes send it; none for gpu-node, whose health
 * routes are open and whose calls carry the edge's dispatch tokens. Throws `invalid_request` when
 * the stored key cannot be read.
 */
export async function livenessCredential(
  env: Env,
  credentialsKeys: readonly string[],
  stored: StoredProvider,
): Promise<string> {
  if (stored.protocol === HEARTBEAT_PROTOCOL) return '';
  const credentials = new ProviderCredentials(credentialsKeys, (name) => Reflect.get(env, name));
  try {
    return await credentials.credentialFor({
      providerId: stored.id,
      sealed: stored.credentials_sealed ?? null,
      secretName: stored.credentials_ref,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new ApiError('invalid_request', reason, { param: 'provider_id' });
  }
}
