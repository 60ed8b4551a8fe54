import { describe, expect, it } from 'vitest';
import { digestsEqual, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-keys.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('api keys', () => {
  it('generate: sk_live_ + 33 base62 chars (192 bits) + 4-char checksum, with prefix, hash and id', async () => {
    const { key, prefix, hash, id } = await generateApiKey();
    expect(key).toMatch(/^sk_live_[0-9A-Za-z]{37}$/);
    expect(prefix).toBe(key.slice(0, 12));
    expect(hash).toBe(await hashApiKey(key));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it('generate: keys and ids never repeat and use the whole base62 alphabet', async () => {
    const generated = await Promise.all(Array.from({ length: 200 }, () => generateApiKey()));
    expect(new Set(generated.map((entry) => entry.key)).size).toBe(200);
    expect(new Set(generated.map((entry) => entry.id)).size).toBe(200);
    const symbols = new Set(generated.flatMap((entry) => [...entry.key.slice(8, 41)]));
    // 6,600 random symbols miss one of 62 with probability about e^-106.
    expect(symbols.size).toBe(62);
  });

  it('checksum: catches every single changed character in the random part and the checksum', async () => {
    const { key } = await generateApiKey();
    for (let index = 8; index < key.length; index++) {
      const current = BASE62.indexOf(key.charAt(index));
      for (const step of [1, 31]) {
        const changed = `${key.slice(0, index)}${BASE62.charAt((current + step) % 62)}${key.slice(index + 1)}`;
        expect(isWellFormedApiKey(changed), `position ${index}`).toBe(false);
      }
    }
  });

  it('checksum: catches two swapped neighbours', async () => {
    const { key } = await generateApiKey();
    for (let index = 8; index < key.length - 1; index++) {
      if (key[index] === key[index + 1]) continue;
      const swapped = `${key.slice(0, index)}${key.charAt(index + 1)}${key.charAt(index)}${key.slice(index + 2)}`;
      expect(isWellFormedApiKey(swapped)).toBe(false);
    }
  });

  it('well-formed: refuses another prefix, another length and characters outside base62', async () => {
    const { key } = await generateApiKey();
    expect(isWellFormedApiKey(key.replace('sk_live_', 'sk_test_'))).toBe(false);
    expect(isWellFormedApiKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${key}0`)).toBe(false);
    expect(isWellFormedApiKey(`${key.slice(0, 20)}-${key.slice(21)}`)).toBe(false);
    expect(isWellFormedApiKey('')).toBe(false);
  });

  it('hash: is the stable lower-case hex SHA-256 of the key', async () => {
    expect(await hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const { key } = await generateApiKey();
    expect(await hashApiKey(key)).toBe(await hashApiKey(key));
    // Another last character (a random key ends in `x` one time in 62).
    const other = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
    expect(await hashApiKey(key)).not.toBe(await hashApiKey(other));
  });

  it('digestsEqual: true only for identical strings, false for other lengths', async () => {
    const digest = await hashApiKey('sk_live_example');
    expect(digestsEqual(digest, `${digest}`)).toBe(true);
    expect(digestsEqual(digest, `${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(digestsEqual(digest, digest.slice(0, -1))).toBe(false);
    expect(digestsEqual(digest, '')).toBe(false);
    expect(digestsEqual('', '')).toBe(true);
  });
});
