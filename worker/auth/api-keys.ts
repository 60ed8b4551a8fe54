const KEY_PREFIX = 'sk_live_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_BYTES = 24;
/** Base62 digits needed for 24 bytes: 62^33 > 2^192. */
const BODY_LENGTH = 33;
const CHECKSUM_LENGTH = 4;
/** Largest prime below 62^4, so the checksum fits in four base62 digits. */
const CHECKSUM_PRIME = 14_776_331;
const CHECKSUM_RADIX = 257;
const WELL_FORMED = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

/** A freshly minted API key: the key is shown once; only `prefix`, `hash` and `id` are stored. */
export interface GeneratedApiKey {
  readonly key: string;
  readonly prefix: string;
  readonly hash: string;
  readonly id: string;
}

/**
 * Mints an API key: `sk_live_`, 192 random bits in base62, then a 4-character checksum.
 *
 * @example
 * const { key, prefix, hash, id } = await generateApiKey();
 * // key: 'sk_live_3xY…Qa9k' (45 chars); store { id, prefix, hash }, show `key` once.
 */
export async function generateApiKey(): Promise<GeneratedApiKey> {
  const body = toBase62(crypto.getRandomValues(new Uint8Array(RANDOM_BYTES)), BODY_LENGTH);
  const withoutChecksum = `${KEY_PREFIX}${body}`;
  const key = `${withoutChecksum}${checksum(withoutChecksum)}`;
  return {
    key,
    prefix: key.slice(0, 12),
    hash: await hashApiKey(key),
    id: `key_${toHex(crypto.getRandomValues(new Uint8Array(8)))}`,
  };
}

/**
 * Whether `key` has the API key format and a matching checksum; lets the edge refuse typos
 * without a directory lookup.
 */
export function isWellFormedApiKey(key: string): boolean {
  if (!WELL_FORMED.test(key)) return false;
  const split = key.length - CHECKSUM_LENGTH;
  return checksum(key.slice(0, split)) === key.slice(split);
}

/** Lower-case hex SHA-256 of the whole key, as stored in `ApiKeyRecord.hash`. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return toHex(new Uint8Array(digest));
}

/** Compares two digests in constant time; strings of different lengths are never equal. */
export function digestsEqual(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

/**
 * Polynomial hash modulo a prime: any single changed character or swap of two different
 * neighbours changes it, since 257^i (1 − 257) is never 0 mod the prime.
 */
function checksum(text: string): string {
  let hash = 0;
  for (let index = 0; index < text.length; index++) {
    hash = (hash * CHECKSUM_RADIX + text.charCodeAt(index)) % CHECKSUM_PRIME;
  }
  return toBase62(BigInt(hash), CHECKSUM_LENGTH);
}

function toBase62(input: Uint8Array | bigint, length: number): string {
  let value = typeof input === 'bigint' ? input : BigInt(`0x${toHex(input)}`);
  let digits = '';
  while (value > 0n) {
    digits = `${BASE62[Number(value % 62n)]}${digits}`;
    value /= 62n;
  }
  return digits.padStart(length, '0');
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
