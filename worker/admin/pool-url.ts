import { checkOutboundUrl } from '../net/index.ts';

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

/** Checks that the pool answers its liveness probe, without following redirects. */
export async function poolAnswers(url: string, fetcher: typeof fetch = fetch): Promise<boolean> {
  try {
    const response = await fetcher(new URL('v2/health/live', url.endsWith('/') ? url : `${url}/`), {
      redirect: 'manual',
      signal: AbortSignal.timeout(3_000),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}
