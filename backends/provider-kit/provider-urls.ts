/**
 * True when `url` is on the same origin (scheme, host, port) as `poolUrl`. Only such URLs may
 * carry the pool's credential or be followed from a provider's answer: any other origin named in
 * an answer is treated as untrusted (issue 12: the credential goes only to the pool's own origin).
 */
export function sameOrigin(url: string, poolUrl: string): boolean {
  const candidate = parseUrl(url);
  const pool = parseUrl(poolUrl);
  return candidate !== null && pool !== null && candidate.origin === pool.origin;
}

/** `candidate` when it is an absolute URL on the pool's origin, else `fallback` (built by the adapter). */
export function trustedUrl(candidate: unknown, fallback: string, poolUrl: string): string {
  return typeof candidate === 'string' && sameOrigin(candidate, poolUrl) ? candidate : fallback;
}

/** `poolUrl` without trailing slashes, the base adapters append their paths to. */
export function trimBase(poolUrl: string): string {
  return poolUrl.replace(/\/+$/, '');
}

/** The origin of `url` (for messages: never the path or query, which may carry signed tokens). */
export function originOf(url: string): string {
  return parseUrl(url)?.origin ?? 'an unreadable URL';
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
