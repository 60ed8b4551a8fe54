import ipaddr, { type IPv4, type IPv6 } from 'ipaddr.js';

/**
 * What an IP literal is. `range` is the ipaddr.js name of the IANA special-purpose block that
 * holds it (`'unicast'` when none does), plus two names of ours for IPv6 the library calls
 * unicast: `'ipv4Compatible'` (`::a.b.c.d`, deprecated by RFC 4291 section 2.5.5.1) and
 * `'reserved'` (outside 2000::/3, the only block the IANA IPv6 Address Space registry assigns
 * as global unicast).
 */
export interface AddressClass {
  /** The address in canonical text (dotted quad, or RFC 5952 for IPv6). */
  readonly address: string;
  readonly range: string;
  /** The IPv4 address an IPv6 transition form carries (mapped, compatible, NAT64, 6to4, Teredo). */
  readonly embedded?: AddressClass;
}

/** IPv6 blocks whose addresses carry an IPv4 address, and where it sits. */
const EMBEDDED_IPV4: Record<string, (parts: readonly number[]) => readonly [number, number]> = {
  ipv4Mapped: lowWords,
  // RFC 6145 IPv4-translated ::ffff:0:a.b.c.d
  rfc6145: lowWords,
  ipv4Compatible: lowWords,
  // RFC 6052 64:ff9b::/96; for the RFC 8215 local-use 64:ff9b:1::/48 the position depends on the
  // operator's prefix length, and the /96 one is read (the address is refused either way).
  rfc6052: lowWords,
  // RFC 3056: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
  '6to4': (parts) => [parts[1] ?? 0, parts[2] ?? 0],
  // RFC 4380 section 4: the client's IPv4 address, every bit inverted, in the last 32 bits.
  teredo: (parts) => [~(parts[6] ?? 0) & 0xffff, ~(parts[7] ?? 0) & 0xffff],
};

/** A dotted quad; checked before ipaddr.js, whose validators throw (slowly) on a domain name. */
const DOTTED_QUAD = /^\d{1,3}(\.\d{1,3}){3}$/;

/** 2000::/3, global unicast in the IANA IPv6 Address Space registry. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Classifies an IP literal as the WHATWG URL parser leaves it in `URL.hostname`: a dotted quad
 * (decimal, hex and octal shorthands already converted) or a bracketed IPv6 address. Returns
 * null for anything else (a domain name).
 *
 * @example
 * classifyIpLiteral('[::ffff:7f00:1]'); // { address: '::ffff:7f00:1', range: 'ipv4Mapped', embedded: { address: '127.0.0.1', range: 'loopback' } }
 */
export function classifyIpLiteral(hostname: string): AddressClass | null {
  if (hostname.startsWith('[') && hostname.endsWith(']')) {
    // The URL parser only brackets valid IPv6, so this parse does not throw in practice.
    try {
      return classifyIpv6(ipaddr.IPv6.parse(hostname.slice(1, -1)));
    } catch {
      return null;
    }
  }
  if (!DOTTED_QUAD.test(hostname) || !ipaddr.IPv4.isValidFourPartDecimal(hostname)) return null;
  return classifyIpv4(ipaddr.IPv4.parse(hostname));
}

/**
 * True for an address the public internet routes to one host: IPv4 or IPv6 `unicast`, or an
 * IPv4-mapped IPv6 address (the same host on a dual-stack socket) whose IPv4 address is.
 * Every other transition form (NAT64, 6to4, Teredo, compatible) is refused whatever it carries:
 * nobody registers a pool or a webhook that way, and where the edge's traffic would go is up
 * to a gateway we do not know.
 */
export function isGlobalUnicast(address: AddressClass): boolean {
  if (address.range === 'ipv4Mapped') return address.embedded?.range === 'unicast';
  return address.range === 'unicast';
}

function classifyIpv4(address: IPv4): AddressClass {
  return { address: address.toString(), range: address.range() };
}

function classifyIpv6(address: IPv6): AddressClass {
  const range = ipv6Range(address);
  const embeddedAt = EMBEDDED_IPV4[range];
  const text = address.toRFC5952String();
  if (embeddedAt === undefined) return { address: text, range };
  const [high, low] = embeddedAt(address.parts);
  const embedded = new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  return { address: text, range, embedded: classifyIpv4(embedded) };
}

function ipv6Range(address: IPv6): string {
  const range: string = address.range();
  if (range !== 'unicast') return range;
  if (address.parts.slice(0, 6).every((part) => part === 0)) return 'ipv4Compatible';
  return address.match(GLOBAL_UNICAST_V6) ? 'unicast' : 'reserved';
}

function lowWords(parts: readonly number[]): readonly [number, number] {
  return [parts[6] ?? 0, parts[7] ?? 0];
}
