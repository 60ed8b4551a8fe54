import fc from 'fast-check';
import {
  type Block,
  GLOBAL_UNICAST_IPV6,
  IPV4_BITS,
  IPV6_BITS,
  isSpecialIpv4,
  isSpecialIpv6,
  SPECIAL_IPV4,
  SPECIAL_IPV6,
} from './iana-special-ranges.ts';

const WORD = 0xffffn;

/** A random address inside `block`. */
function inside(block: Block, bits: number): fc.Arbitrary<bigint> {
  const size = 1n << BigInt(bits - block.prefix);
  return fc.bigInt({ min: 0n, max: size - 1n }).map((offset) => block.base + offset);
}

/** An IPv4 address (as an integer) in a special-purpose block. */
export const specialIpv4 = fc.constantFrom(...SPECIAL_IPV4).chain((block) => inside(block, IPV4_BITS));

/** An IPv4 address no special-purpose block holds. */
export const globalIpv4 = fc
  .bigInt({ min: 0n, max: (1n << 32n) - 1n })
  .filter((address) => !isSpecialIpv4(address));

/** An IPv6 address outside global unicast, IPv4-mapped excepted. */
export const specialIpv6 = fc
  .constantFrom(...SPECIAL_IPV6)
  .chain((block) => inside(block, IPV6_BITS))
  .filter((address) => address >> 32n !== WORD);

/** An IPv6 address in 2000::/3 that no special-purpose block holds. */
export const globalIpv6 = inside(GLOBAL_UNICAST_IPV6, IPV6_BITS).filter((address) => !isSpecialIpv6(address));

/**
 * Spellings of an IPv4 host that the WHATWG URL parser reads as that address: dotted decimal,
 * one decimal, hex or octal number, octal or hex octets, the `a.b.c` and `a.b` shorthands, and
 * a trailing dot.
 */
export function ipv4Spellings(address: bigint): fc.Arbitrary<string> {
  const n = Number(address);
  const octets = [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff] as const;
  const [a, b, c, d] = octets;
  return fc.constantFrom(
    octets.join('.'),
    `${octets.join('.')}.`,
    String(n),
    `0x${n.toString(16)}`,
    `0${n.toString(8)}`,
    octets.map((octet) => `0${octet.toString(8)}`).join('.'),
    octets.map((octet) => `0x${octet.toString(16)}`).join('.'),
    `${a}.${b}.${(c << 8) | d}`,
    `${a}.${(b << 16) | (c << 8) | d}`,
    `0x${a.toString(16)}.${b}.0${((c << 8) | d).toString(8)}`,
  );
}

/**
 * Spellings of an IPv6 host, brackets included: compressed, full with leading zeros, upper
 * case, and with the last 32 bits as a dotted quad (RFC 4291 section 2.2).
 */
export function ipv6Spellings(address: bigint): fc.Arbitrary<string> {
  const words = Array.from({ length: 8 }, (_, index) => (address >> BigInt(112 - 16 * index)) & WORD);
  const hex = words.map((word) => word.toString(16));
  const low = Number(address & 0xffffffffn);
  const dotted = [low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff].join('.');
  return fc.constantFrom(
    `[${compress(hex)}]`,
    `[${hex.map((word) => word.padStart(4, '0')).join(':')}]`,
    `[${compress(hex).toUpperCase()}]`,
    `[${hex.slice(0, 6).join(':')}:${dotted}]`,
  );
}

/** IPv6 forms that carry an IPv4 address, as the parts a test needs to check extraction. */
export type EmbeddingForm =
  | 'mapped'
  | 'translated'
  | 'compatible'
  | 'nat64'
  | 'nat64-local'
  | '6to4'
  | 'teredo';

/** `address` (IPv4, as an integer) carried in an IPv6 transition form, in several spellings. */
export function embeddedSpellings(address: bigint, form: EmbeddingForm): fc.Arbitrary<string> {
  const high = (address >> 16n) & WORD;
  const low = address & WORD;
  const words: Record<EmbeddingForm, fc.Arbitrary<bigint>> = {
    mapped: fc.constant(join([0n, 0n, 0n, 0n, 0n, WORD, high, low])),
    translated: fc.constant(join([0n, 0n, 0n, 0n, WORD, 0n, high, low])),
    compatible: fc.constant(join([0n, 0n, 0n, 0n, 0n, 0n, high, low])),
    nat64: fc.constant(join([0x64n, 0xff9bn, 0n, 0n, 0n, 0n, high, low])),
    'nat64-local': fc.constant(join([0x64n, 0xff9bn, 1n, 0n, 0n, 0n, high, low])),
    '6to4': fc
      .tuple(fc.bigInt({ min: 0n, max: WORD }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
      .map(([subnet, host]) => (0x2002n << 112n) | (address << 80n) | (subnet << 64n) | host),
    // Teredo: server IPv4, flags and obfuscated port are free; the client address is inverted.
    teredo: fc
      .bigInt({ min: 0n, max: (1n << 64n) - 1n })
      .map((middle) => (0x2001n << 112n) | (middle << 32n) | (~address & 0xffffffffn)),
  };
  return words[form].chain(ipv6Spellings);
}

export const embeddingForms: readonly EmbeddingForm[] = [
  'mapped',
  'translated',
  'compatible',
  'nat64',
  'nat64-local',
  '6to4',
  'teredo',
];

/** The dotted quad of an IPv4 integer. */
export function dottedQuad(address: bigint): string {
  const n = Number(address);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

function join(words: readonly bigint[]): bigint {
  return words.reduce((value, word) => (value << 16n) | word, 0n);
}

/** RFC 5952-style: the longest run of two or more zero words becomes `::`. */
function compress(hex: readonly string[]): string {
  let best = { start: -1, length: 1 };
  let start = -1;
  hex.forEach((word, index) => {
    if (word !== '0') {
      start = -1;
      return;
    }
    if (start < 0) start = index;
    const length = index - start + 1;
    if (length > best.length) best = { start, length };
  });
  if (best.start < 0) return hex.join(':');
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}
