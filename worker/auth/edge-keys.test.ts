import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { edgeVerificationKey, loadEdgeKeys } from './edge-keys.ts';

describe('loadEdgeKeys', () => {
  it('imports the EDGE_SIGNING_KEY secret: kid, EdDSA, and a public JWK without "d"', async () => {
    const secret = JSON.parse(env.EDGE_SIGNING_KEY) as { x: string };
    const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
    expect(keys.kid).toBe('edge-test');
    expect(keys.alg).toBe('EdDSA');
    expect(keys.publicJwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: secret.x,
      kid: 'edge-test',
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(keys.privateKey.type).toBe('private');
    expect(keys.publicKey.type).toBe('public');
  });

  it('caches per isolate: the same secret is imported once', async () => {
    const first = loadEdgeKeys(env.EDGE_SIGNING_KEY);
    expect(loadEdgeKeys(env.EDGE_SIGNING_KEY)).toBe(first);
    expect(await loadEdgeKeys(env.EDGE_SIGNING_KEY)).toBe(await first);
  });

  it('throws a configuration error that never repeats the secret', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const p256 = await exportJWK(privateKey);
    const ed25519 = JSON.parse(env.EDGE_SIGNING_KEY) as Record<string, string>;
    const { d, ...publicOnly } = ed25519;
    const { kid: _kid, ...withoutKid } = ed25519;
    const cases: [string, RegExp][] = [
      ['', /not set/],
      ['{not json', /not valid JSON/],
      ['"a string"', /JWK object/],
      [JSON.stringify({ ...p256, kid: 'p' }), /Ed25519/],
      [JSON.stringify(publicOnly), /"d"/],
      [JSON.stringify(withoutKid), /"kid"/],
      [JSON.stringify({ ...ed25519, d: 'AAAA' }), /could not be imported/],
    ];
    for (const [secret, message] of cases) {
      const error = await loadEdgeKeys(secret).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error, secret).toBeInstanceOf(Error);
      expect(String(error)).toMatch(message);
      expect(String(error)).not.toContain(String(d));
    }
  });

  it('does not cache a failed import', async () => {
    const failed = loadEdgeKeys('{not json');
    await expect(failed).rejects.toThrow();
    expect(loadEdgeKeys('{not json')).not.toBe(failed);
    await expect(loadEdgeKeys('{not json')).rejects.toThrow();
  });

  it('rotation: with EDGE_SIGNING_KEY_PREVIOUS, signs with the current key and verifies by kid with both', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const previous = JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'edge-previous' });
    const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY, previous);
    expect(keys.kid).toBe('edge-test');
    expect([...keys.verificationKeys.keys()]).toEqual(['edge-test', 'edge-previous']);
    expect(keys.jwks.keys.map((key) => key.kid)).toEqual(['edge-test', 'edge-previous']);
    expect(JSON.stringify(keys.jwks)).not.toContain('"d"');
    expect(edgeVerificationKey(keys, { kid: 'edge-previous' })).toBe(
      keys.verificationKeys.get('edge-previous')?.publicKey,
    );
    expect(edgeVerificationKey(keys, {})).toBe(keys.publicKey);
    expect(() => edgeVerificationKey(keys, { kid: 'edge-unknown' })).toThrow();
    // One import per pair of secrets; the single key alone is another entry.
    expect(loadEdgeKeys(env.EDGE_SIGNING_KEY, previous)).toBe(loadEdgeKeys(env.EDGE_SIGNING_KEY, previous));
    expect((await loadEdgeKeys(env.EDGE_SIGNING_KEY, '')).verificationKeys.size).toBe(1);
  });
});
