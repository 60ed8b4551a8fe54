import { internalZoneOf, normalizeHostName } from './host-name.ts';
import { type AddressClass, classifyIpLiteral, isGlobalUnicast } from './ip-address.ts';

/** Where the edge may send a request: the same rules serve pool URLs and tenants' webhooks. */
export interface OutboundUrlPolicy {
  /**
   * Local development only (`ALLOW_PRIVATE_POOL_URLS`, `ALLOW_PRIVATE_WEBHOOK_URLS`): any host,
   * internal names and special-purpose addresses included.
   */
  readonly allowPrivate: boolean;
  /** Refuse `http:`: webhooks outside local development. */
  readonly requireHttps: boolean;
}

/** Why a URL was refused. The fields name what was refused, for logs (`describeRefusal`), never for the wire. */
export type OutboundUrlRefusal =
  /** Not a URL, or a host no public DNS name or address is spelled like. */
  | { readonly reason: 'malformed' }
  /** Not http(s), or http where the policy requires https. */
  | { readonly reason: 'scheme'; readonly scheme: string }
  /** Credentials in the URL (`https://user:pass@host`): never sent, never stored. */
  | { readonly reason: 'userinfo' }
  /** A name that resolves, if at all, inside someone's network (see `INTERNAL_ZONES`). */
  | { readonly reason: 'internal_name'; readonly hostname: string; readonly zone: string }
  /** An IP address outside global unicast (see `classifyIpLiteral`). */
  | { readonly reason: 'special_address'; readonly address: AddressClass };

/** A URL the edge may call, as parsed: send `url`, not the string that was checked. */
export type OutboundUrlCheck =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly refusal: OutboundUrlRefusal };

/**
 * Checks a URL the edge is about to call on someone's behalf (SSRF): an operator's pool URL at
 * registration and at dispatch, a tenant's webhook at submission and at delivery. Only the URL
 * is judged; where a public name resolves is left to Cloudflare's egress (docs/security.md).
 *
 * Cost: one WHATWG URL parse, a few string tests and, for IP literals, one ipaddr.js parse and a
 * scan of its special-purpose blocks. Microseconds, no I/O, nothing kept between calls: dispatch
 * can re-check a pool URL on every attempt without a cache (and must: the registry's copy may
 * predate this policy). Send `url` from the result, not the string.
 *
 * @example
 * const check = checkOutboundUrl('http://[::ffff:127.0.0.1]:9001', { allowPrivate: false, requireHttps: false });
 * if (!check.ok) console.log(check.refusal.reason); // 'special_address'
 */
export function checkOutboundUrl(raw: string, policy: OutboundUrlPolicy): OutboundUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse({ reason: 'malformed' });
  }
  const secure = url.protocol === 'https:';
  if (!secure && (url.protocol !== 'http:' || policy.requireHttps)) {
    return refuse({ reason: 'scheme', scheme: url.protocol });
  }
  if (url.username || url.password) return refuse({ reason: 'userinfo' });
  const address = classifyIpLiteral(url.hostname);
  if (address !== null) {
    return policy.allowPrivate || isGlobalUnicast(address)
      ? { ok: true, url }
      : refuse({ reason: 'special_address', address });
  }
  const hostname = normalizeHostName(url.hostname);
  if (hostname === null) return refuse({ reason: 'malformed' });
  const zone = internalZoneOf(hostname);
  if (zone !== null && !policy.allowPrivate) return refuse({ reason: 'internal_name', hostname, zone });
  return { ok: true, url };
}

/** One line for logs: the reason and what was refused, never the whole URL (it may hold a token). */
export function describeRefusal(refusal: OutboundUrlRefusal): string {
  switch (refusal.reason) {
    case 'malformed':
    case 'userinfo':
      return refusal.reason;
    case 'scheme':
      return `scheme ${refusal.scheme}`;
    case 'internal_name':
      return `internal name ${refusal.hostname} (${refusal.zone})`;
    case 'special_address': {
      const { address, range, embedded } = refusal.address;
      const carried = embedded ? ` carrying ${embedded.address} (${embedded.range})` : '';
      return `special address ${address} (${range})${carried}`;
    }
  }
}

function refuse(refusal: OutboundUrlRefusal): OutboundUrlCheck {
  return { ok: false, refusal };
}
