import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenTypes } from '../../shared/index.ts';
import { createEdgeTokenVerifier, type EdgeTokenPolicy } from './edge-token-verifier.ts';
import { readVerificationKey, type VerificationKey } from './key-material.ts';

const poolId = 'pool-eu-1';
const edgeIssuer = 'spillway-edge';

const ed25519 = generateKeyPairSync('ed25519');
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('ed25519');

// Tokens are minted and checked against one fixed clock, so no check depends on how long the
// test takes to run.
const fixedNowMs = Date.UTC(2030, 0, 1);
const nowSeconds = () => fixedNowMs / 1000;

function verifierFor(key: VerificationKey | URL, overrides: Partial<EdgeTokenPolicy> = {}) {
  return createEdgeTokenVerifier({
    key,
    algorithms: ['ES256', 'EdDSA'],
    issuer: edgeIssuer,
    audience: poolId,
    clockToleranceSeconds: 5,
    maxTokenAgeSeconds: 3600,
    now: () => fixedNowMs,
    ...overrides,
  });
}

interface TokenOptions {
  readonly key?: KeyObject | Uint8Array;
  readonly alg?: string;
  readonly typ?: string;
  readonly kid?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly subject?: string | null;
  readonly claims?: JWTPayload;
  readonly iat?: number;
  readonly exp?: number;
  readonly nbf?: number;
}

/** A dispatch token as the edge mints it, with any part overridable. */
function token(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ scope: 'generate', tier: 'paid', ...options.claims })
    .setProtectedHeader({
      alg: options.alg ?? 'EdDSA',
      typ: options.typ ?? tokenTypes.dispatch,
      ...(options.kid ? { kid: options.kid } : {}),
    })
    .setIssuer(options.issuer ?? edgeIssuer)
    .setAudience(options.audience ?? poolId)
    .setIssuedAt(options.iat ?? nowSeconds())
    .setExpirationTime(options.exp ?? nowSeconds() + 300)
    .setJti('dispatch-1');
  if (options.subject !== null) jwt.setSubject(options.subject ?? 'tenant-acme');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? ed25519.privateKey);
}

const bearer = async (jwt: string | Promise<string>) => `Bearer ${await jwt}`;
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('createEdgeTokenVerifier', () => {
  const verify = verifierFor(ed25519.publicKey);

  it('edge token: accepts a valid EdDSA token and returns its claims', async () => {
    const result = await verify(await bearer(token()));
    expect(result).toEqual({
      ok: true,
      claims: expect.objectContaining({
        iss: edgeIssuer,
        sub: 'tenant-acme',
        aud: poolId,
        scope: 'generate',
        tier: 'paid',
        jti: 'dispatch-1',
      }),
    });
  });

  it('edge token: accepts a valid ES256 token from a P-256 edge key', async () => {
    const result = await verifierFor(p256.publicKey)(
      await bearer(token({ key: p256.privateKey, alg: 'ES256' })),
    );
    expect(result.ok && result.claims.sub).toBe('tenant-acme');
  });

  it('edge token: a missing or empty Authorization header is refused as missing', async () => {
    expect(await verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(await verify('')).toEqual({ ok: false, reason: 'missing' });
  });

  it('edge token: a scheme other than Bearer, or no scheme, is malformed', async () => {
    const jwt = await token();
    expect(await verify(`Basic ${jwt}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify(jwt)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify(`Bearer ${jwt} extra`)).toEqual({ ok: false, reason: 'malformed' });
    expect(await verify('Bearer not-a-jwt')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('edge token: an unsigned alg "none" token is refused', async () => {
    const now = nowSeconds();
    const unsigned = `${base64url({ alg: 'none', typ: tokenTypes.dispatch })}.${base64url({
      iss: edgeIssuer,
      sub: 'tenant-acme',
      aud: poolId,
      scope: 'generate',
      iat: now,
      exp: now + 300,
    })}.`;
    expect(await verify(`Bearer ${unsigned}`)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('edge token: an HS256 token keyed with the public key PEM (algorithm confusion) is refused', async () => {
    for (const publicKey of [ed25519.publicKey, p256.publicKey]) {
      const pem = new TextEncoder().encode(publicKey.export({ type: 'spki', format: 'pem' }).toString());
      const confused = await token({ key: pem, alg: 'HS256' });
      expect(await verifierFor(publicKey)(`Bearer ${confused}`)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('edge token: a token from another issuer is refused', async () => {
    expect(await verify(await bearer(token({ issuer: 'someone-else' })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('edge token: a token for another pool is refused', async () => {
    expect(await verify(await bearer(token({ audience: 'pool-us-2' })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('edge token: a token expired beyond the 5 s tolerance is refused as expired', async () => {
    const now = nowSeconds();
    expect(await verify(await bearer(token({ iat: now - 120, exp: now - 30 })))).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('edge token: a token expired within the clock tolerance is still accepted', async () => {
    const now = nowSeconds();
    const result = await verify(await bearer(token({ iat: now - 60, exp: now - 2 })));
    expect(result.ok).toBe(true);
  });

  it('edge token: a token issued longer ago than the maximum age is refused', async () => {
    const now = nowSeconds();
    const result = await verify(await bearer(token({ iat: now - 7200, exp: now + 300 })));
    expect(result.ok).toBe(false);
  });

  it('edge token: a token whose nbf is in the future is refused', async () => {
    const result = await verify(await bearer(token({ nbf: nowSeconds() + 120 })));
    expect(result).toEqual({ ok: false, reason: 'invalid' });
  });

  it('edge token: a token of another type (a heartbeat) is refused', async () => {
    expect(await verify(await bearer(token({ typ: tokenTypes.heartbeat })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(await verify(await bearer(token({ typ: 'JWT' })))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('edge token: a token with another scope is refused', async () => {
    expect(await verify(await bearer(token({ claims: { scope: 'operator' } })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('edge token: a token without a subject is refused', async () => {
    expect(await verify(await bearer(token({ subject: null })))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('edge token: a token signed by another key is refused', async () => {
    expect(await verify(await bearer(token({ key: stranger.privateKey })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('edge token: an algorithm left off the allow-list is refused even with the right key', async () => {
    const edDsaOnly = verifierFor(p256.publicKey, { algorithms: ['EdDSA'] });
    expect(await edDsaOnly(await bearer(token({ key: p256.privateKey, alg: 'ES256' })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('edge token: a token over 8 KiB is refused as oversized before verification', async () => {
    const large = await token({ claims: { padding: 'x'.repeat(9 * 1024) } });
    expect(large.length).toBeGreaterThan(8 * 1024);
    expect(await verify(`Bearer ${large}`)).toEqual({ ok: false, reason: 'oversized' });
  });
});

describe('readVerificationKey', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'spillway-verification-key-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const path = join(folder, name);
    await writeFile(path, text);
    return path;
  }

  it('key material: a PEM (SPKI) file verifies tokens of its key only', async () => {
    const path = await write(
      'edge.pub.pem',
      ed25519.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const verify = verifierFor(await readVerificationKey(path));
    expect((await verify(await bearer(token()))).ok).toBe(true);
    expect((await verify(await bearer(token({ key: stranger.privateKey })))).ok).toBe(false);
  });

  it('key material: a single JWK file verifies tokens of its key', async () => {
    const path = await write('edge.jwk.json', JSON.stringify(p256.publicKey.export({ format: 'jwk' })));
    const verify = verifierFor(await readVerificationKey(path));
    expect((await verify(await bearer(token({ key: p256.privateKey, alg: 'ES256' })))).ok).toBe(true);
    expect((await verify(await bearer(token()))).ok).toBe(false);
  });

  it('key material: a JWKS file picks the key by kid and refuses an unknown kid', async () => {
    const keys = [
      { ...ed25519.publicKey.export({ format: 'jwk' }), kid: 'edge-ed', alg: 'EdDSA', use: 'sig' },
      { ...p256.publicKey.export({ format: 'jwk' }), kid: 'edge-p256', alg: 'ES256', use: 'sig' },
    ];
    const path = await write('edge.jwks.json', `${JSON.stringify({ keys }, null, 2)}\n`);
    const verify = verifierFor(await readVerificationKey(path));

    expect((await verify(await bearer(token({ kid: 'edge-ed' })))).ok).toBe(true);
    expect(
      (await verify(await bearer(token({ key: p256.privateKey, alg: 'ES256', kid: 'edge-p256' })))).ok,
    ).toBe(true);
    expect(await verify(await bearer(token({ kid: 'edge-retired' })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(await verify(await bearer(token({ key: stranger.privateKey, kid: 'edge-ed' })))).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('key material: a file that is neither PEM nor JSON is an error', async () => {
    const path = await write('garbage.txt', 'not a key');
    await expect(readVerificationKey(path)).rejects.toThrow();
  });

  it('key material: a JWKS URL is fetched over HTTP and its keys verify tokens by kid', async () => {
    const keys = [
      { ...ed25519.publicKey.export({ format: 'jwk' }), kid: 'edge-remote', alg: 'EdDSA', use: 'sig' },
    ];
    let fetches = 0;
    const server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const { port } = server.address() as AddressInfo;
      const verify = verifierFor(new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`));
      expect((await verify(await bearer(token({ kid: 'edge-remote' })))).ok).toBe(true);
      expect((await verify(await bearer(token({ kid: 'edge-remote' })))).ok).toBe(true);
      expect((await verify(await bearer(token({ key: stranger.privateKey, kid: 'edge-remote' })))).ok).toBe(
        false,
      );
      // jose caches the key set: the second verification did not fetch again.
      expect(fetches).toBe(1);
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});
