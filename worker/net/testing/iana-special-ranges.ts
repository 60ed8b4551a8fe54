/**
 * An oracle for the outbound-address tests, written from the registries rather than from
 * ipaddr.js, so a block the library drops or misplaces shows up as a failing test:
 * IANA IPv4 and IPv6 Special-Purpose Address Registries (as of 2025), the IPv4 and IPv6
 * multicast blocks, RFC 4291 link-local and deprecated site-local, and the deprecated
 * IPv4-compatible block. Anything in a block here, and any IPv6 outside 2000::/3, is not
 * global unicast.
 */

/** An address block: the first address as an integer, and the prefix length. */
export interface Block {
  readonly name: string;
  readonly base: bigint;
  readonly prefix: number;
}

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;

export const SPECIAL_IPV4: readonly Block[] = [
  v4('this network', '0.0.0.0/8'),
  v4('private', '10.0.0.0/8'),
  v4('shared address space (CGNAT)', '100.64.0.0/10'),
  v4('loopback', '127.0.0.0/8'),
  v4('link-local', '169.254.0.0/16'),
  v4('private', '172.16.0.0/12'),
  v4('IETF protocol assignments', '192.0.0.0/24'),
  v4('documentation TEST-NET-1', '192.0.2.0/24'),
  v4('AS112-v4', '192.31.196.0/24'),
  v4('AMT', '192.52.193.0/24'),
  v4('deprecated 6to4 relay anycast', '192.88.99.0/24'),
  v4('private', '192.168.0.0/16'),
  v4('direct delegation AS112', '192.175.48.0/24'),
  v4('benchmarking', '198.18.0.0/15'),
  v4('documentation TEST-NET-2', '198.51.100.0/24'),
  v4('documentation TEST-NET-3', '203.0.113.0/24'),
  v4('multicast', '224.0.0.0/4'),
  v4('reserved', '240.0.0.0/4'),
  v4('limited broadcast', '255.255.255.255/32'),
];

/** Every special IPv6 block but IPv4-mapped, whose verdict follows the IPv4 address it carries. */
export const SPECIAL_IPV6: readonly Block[] = [
  v6('unspecified', '::/128'),
  v6('loopback', '::1/128'),
  v6('IPv4-compatible (deprecated)', '::/96'),
  v6('IPv4-translated', '::ffff:0:0:0/96'),
  v6('NAT64 well-known prefix', '64:ff9b::/96'),
  v6('NAT64 local-use', '64:ff9b:1::/48'),
  v6('discard-only', '100::/64'),
  v6('dummy prefix', '100:0:0:1::/64'),
  v6('IETF protocol assignments', '2001::/23'),
  v6('Teredo', '2001::/32'),
  v6('benchmarking', '2001:2::/48'),
  v6('AMT', '2001:3::/32'),
  v6('AS112-v6', '2001:4:112::/48'),
  v6('ORCHID (deprecated)', '2001:10::/28'),
  v6('ORCHIDv2', '2001:20::/28'),
  v6('drone remote ID', '2001:30::/28'),
  v6('documentation', '2001:db8::/32'),
  v6('6to4', '2002::/16'),
  v6('direct delegation AS112', '2620:4f:8000::/48'),
  v6('documentation', '3fff::/20'),
  v6('segment routing SIDs', '5f00::/16'),
  v6('unique local', 'fc00::/7'),
  v6('link-local', 'fe80::/10'),
  v6('site-local (deprecated)', 'fec0::/10'),
  v6('multicast', 'ff00::/8'),
  // IANA IPv6 Address Space: only 2000::/3 is global unicast; these cover the rest.
  v6('reserved by IETF', '::/3'),
  v6('reserved by IETF', '4000::/2'),
  v6('reserved by IETF', '8000::/1'),
];

export const IPV4_MAPPED: Block = v6('IPv4-mapped', '::ffff:0:0/96');
export const GLOBAL_UNICAST_IPV6: Block = v6('global unicast', '2000::/3');

/** True when `address` (an integer of `bits` bits) lies in `block`. */
export function inBlock(address: bigint, block: Block, bits: number): boolean {
  const shift = BigInt(bits - block.prefix);
  return address >> shift === block.base >> shift;
}

export function isSpecialIpv4(address: bigint): boolean {
  return SPECIAL_IPV4.some((block) => inBlock(address, block, IPV4_BITS));
}

/** Outside global unicast, IPv4-mapped excepted (see `SPECIAL_IPV6`). */
export function isSpecialIpv6(address: bigint): boolean {
  return SPECIAL_IPV6.some((block) => inBlock(address, block, IPV6_BITS));
}

function v4(name: string, cidr: string): Block {
  const [address = '', prefix = ''] = cidr.split('/');
  const base = address.split('.').reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
  return { name, base, prefix: Number(prefix) };
}

function v6(name: string, cidr: string): Block {
  const [address = '', prefix = ''] = cidr.split('/');
  const [head = '', tail = ''] = address.split('::');
  const headWords = head ? head.split(':') : [];
  const tailWords = tail ? tail.split(':') : [];
  const words = [...headWords, ...Array(8 - headWords.length - tailWords.length).fill('0'), ...tailWords];
  const base = words.reduce((value, word) => (value << 16n) | BigInt(`0x${word}`), 0n);
  return { name, base, prefix: Number(prefix) };
}
