import { type CryptoKey, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  JWKS_COOLDOWN_MS,
  JWKS_MAX_AGE_MS,
  JWKS_STALE_IF_ERROR_MS,
  KeysUnavailableError,
  RemoteJwks,
} from './remote-jwks.ts';

const URL_OF_SET = 'https://id.example/.well-known/jwks.json';

interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const pair = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  return {
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid, use: 'sig', alg: 'RS256' },
  };
}

/** An identity provider's JWKS endpoint as documented (RFC 7517 set, 200 JSON), whose keys a test rotates. */
function identityProvider(published: JWK[]) {
  const state = { keys: published, status: 200, fetches: 0 };
  const fetcher: typeof fetch = async () => {
    state.fetches++;
    return new Response(JSON.stringify({ keys: state.keys }), {
      status: state.status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { state, fetcher };
}

const token = (key: SigningKey) =>
  new SignJWT({ sub: 'user-1' })
    .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid ?? '' })
    .sign(key.privateKey);

let first: SigningKey;
let second: SigningKey;

beforeAll(async () => {
  [first, second] = await Promise.all([signingKey('k1'), signingKey('k2')]);
});

async function verifies(keys: RemoteJwks, signer: SigningKey): Promise<boolean> {
  try {
    await jwtVerify(await token(signer), await keys.getKeyFor(URL_OF_SET));
    return true;
  } catch (error) {
    if (error instanceof KeysUnavailableError) throw error;
    return false;
  }
}

describe('RemoteJwks', () => {
  it('fetches a set once per max age, however many tokens and at once', async () => {
    const idp = identityProvider([first.jwk]);
    let now = 0;
    const keys = new RemoteJwks(idp.fetcher, () => now);
    expect(await Promise.all([1, 2, 3].map(() => verifies(keys, first)))).toEqual([true, true, true]);
    expect(idp.state.fetches).toBe(1);
    now = JWKS_MAX_AGE_MS - 1;
    expect(await verifies(keys, first)).toBe(true);
    expect(idp.state.fetches).toBe(1);
    now = JWKS_MAX_AGE_MS;
    expect(await verifies(keys, first)).toBe(true);
    expect(idp.state.fetches).toBe(2);
  });

  it('a rotation: a token under a kid the set lacks fetches it again, but tokens cannot force fetches', async () => {
    const idp = identityProvider([first.jwk]);
    let now = 0;
    const keys = new RemoteJwks(idp.fetcher, () => now);
    expect(await verifies(keys, first)).toBe(true);
    // Within the cooldown an unknown kid is refused without a fetch.
    now = JWKS_COOLDOWN_MS - 1;
    expect(await verifies(keys, second)).toBe(false);
    expect(idp.state.fetches).toBe(1);
    idp.state.keys = [first.jwk, second.jwk];
    now = JWKS_COOLDOWN_MS;
    expect(await verifies(keys, second)).toBe(true);
    expect(idp.state.fetches).toBe(2);
  });

  it('keeps verifying with the last good set for a day while the issuer is down, then says so', async () => {
    const idp = identityProvider([first.jwk]);
    let now = 0;
    const keys = new RemoteJwks(idp.fetcher, () => now);
    expect(await verifies(keys, first)).toBe(true);
    idp.state.status = 503;
    now = JWKS_STALE_IF_ERROR_MS - 1;
    expect(await verifies(keys, first)).toBe(true);
    now = JWKS_STALE_IF_ERROR_MS;
    await expect(verifies(keys, first)).rejects.toBeInstanceOf(KeysUnavailableError);
  });

  it('keeps only keys it can verify with; a set with none is unavailable, not an empty success', async () => {
    const unusable = [
      { ...first.jwk, kid: 'enc', use: 'enc' },
      // A 1024-bit modulus is 171 base64url characters.
      { ...first.jwk, kid: 'weak', n: String(first.jwk.n).slice(0, 171) },
      { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' },
    ];
    const idp = identityProvider([...unusable, first.jwk]);
    expect(await verifies(new RemoteJwks(idp.fetcher, () => 0), first)).toBe(true);
    const none = identityProvider(unusable);
    await expect(verifies(new RemoteJwks(none.fetcher, () => 0), first)).rejects.toThrow(
      /no key to verify with/,
    );
    const down = identityProvider([first.jwk]);
    down.state.status = 404;
    await expect(verifies(new RemoteJwks(down.fetcher, () => 0), first)).rejects.toThrow(/answered 404/);
  });
});
