/** Why a pool URL was refused. */
export type PoolUrlProblem = 'not_http' | 'userinfo' | 'private_address' | 'unreachable';

/**
 * Refuses pool URLs an attacker with an operator token could use to reach internal services
 * (SSRF): loopback, private and link-local ranges (cloud metadata at 169.254.169.254), IPv6
 * loopback and IPv4-mapped forms, and integer or hex IPv4 spellings. Workers' fetch reaches
 * these only in local development, where `allowPrivate` is set.
 */
export function poolUrlProblem(raw: string, allowPrivate: boolean): PoolUrlProblem | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not_http';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'not_http';
  if (url.username || url.password) return 'userinfo';
  if (!allowPrivate && isPrivateHost(url.hostname)) return 'private_address';
  return null;
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal')) return true;
  if (host.includes(':')) return isPrivateIpv6(host);
  // The URL parser already turned decimal (2130706433) and hex (0x7f000001) forms into dotted quads.
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet))) return false;
  const [a = 0, b = 0] = octets;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

function isPrivateIpv6(host: string): boolean {
  if (host === '::1' || host === '::') return true;
  if (host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80')) return true;
  const mapped = /^::ffff:(.+)$/.exec(host);
  if (mapped?.[1]) {
    const tail = mapped[1];
    if (tail.includes('.')) return isPrivateHost(tail);
    const [high = '0', low = '0'] = tail.split(':');
    const value = (Number.parseInt(high, 16) << 16) | Number.parseInt(low, 16);
    return isPrivateHost([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.'));
  }
  return false;
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
