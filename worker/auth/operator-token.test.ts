import { env } from 'cloudflare:workers';
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { MAX_OPERATOR_TOKEN_LINEAGE, tokenTypes } from '../../shared/index.ts';
import { craftToken, nowSeconds } from '../testing/test-tokens.ts';
import { createDispatchSigner } from './dispatch-token.ts';
import { loadEdgeKeys } from './edge-keys.ts';
import { lineageOfChild, mintOperatorToken, verifyOperatorToken } from './operator-token.ts';

const edgeKeys = () => loadEdgeKeys(env.EDGE_SIGNING_KEY);

function operatorClaims() {
  const iat = nowSeconds();
  return {
    iss: 'spillway-edge',
    sub: 'alice',
    aud: 'spillway-admin',
    scope: 'operator',
    iat,
    exp: iat + 600,
    jti: crypto.randomUUID(),
  };
}

describe('operator tokens', () => {
  it('round trip: a minted token verifies with its claims', async () => {
    const keys = await edgeKeys();
    const result = await verifyOperatorToken((await mintOperatorToken(keys, 'alice', 900)).token, keys);
    if (!result.ok) throw new Error(`refused: ${result.reason}`);
    expect(result.claims).toMatchObject({
      iss: 'spillway-edge',
      sub: 'alice',
      aud: 'spillway-admin',
      scope: 'operator',
    });
    expect(result.claims.exp - result.claims.iat).toBe(900);
  });

  it('expired: refused past the 5 s clock tolerance, accepted within it', async () => {
    const keys = await edgeKeys();
    const minted = Date.now();
    const { token } = await mintOperatorToken(keys, 'alice', 60, () => minted);
    expect(await verifyOperatorToken(token, keys, () => minted + 63_000)).toMatchObject({ ok: true });
    expect(await verifyOperatorToken(token, keys, () => minted + 70_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses a dispatch token, and an operator-shaped token typed as dispatch', async () => {
    const keys = await edgeKeys();
    const dispatch = await createDispatchSigner(keys)('spillway-admin', 'alice');
    expect(await verifyOperatorToken(dispatch, keys)).toEqual({ ok: false, reason: 'wrong_type' });
    const retyped = await new SignJWT(operatorClaims())
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.dispatch, kid: keys.kid })
      .sign(keys.privateKey);
    expect(await verifyOperatorToken(retyped, keys)).toEqual({ ok: false, reason: 'wrong_type' });
  });

  it('refuses another audience', async () => {
    const keys = await edgeKeys();
    const token = await new SignJWT({ ...operatorClaims(), aud: 'spillway-edge' })
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator })
      .sign(keys.privateKey);
    expect(await verifyOperatorToken(token, keys)).toEqual({ ok: false, reason: 'wrong_audience' });
  });

  it('refuses a token signed by another key', async () => {
    const keys = await edgeKeys();
    const other = await generateKeyPair('EdDSA', { extractable: true });
    const token = await new SignJWT(operatorClaims())
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator, kid: keys.kid })
      .sign(other.privateKey);
    expect(await verifyOperatorToken(token, keys)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses alg "none" and a forged signature', async () => {
    const keys = await edgeKeys();
    const unsigned = craftToken({ alg: 'none', typ: tokenTypes.operator }, operatorClaims());
    expect(await verifyOperatorToken(unsigned, keys)).toEqual({ ok: false, reason: 'algorithm_not_allowed' });
    const forged = craftToken({ alg: 'EdDSA', typ: tokenTypes.operator }, operatorClaims(), 'AAAA');
    expect(await verifyOperatorToken(forged, keys)).toMatchObject({ ok: false });
  });

  it('refuses claims the schema does not accept, and oversized tokens', async () => {
    const keys = await edgeKeys();
    const wrongScope = await new SignJWT({ ...operatorClaims(), scope: 'generate' })
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator })
      .sign(keys.privateKey);
    expect(await verifyOperatorToken(wrongScope, keys)).toEqual({ ok: false, reason: 'invalid_claims' });
    expect(await verifyOperatorToken(`${'a'.repeat(9000)}.b.c`, keys)).toEqual({
      ok: false,
      reason: 'oversized',
    });
  });

  it('mint: refuses a TTL outside 1 s to 24 h', async () => {
    const keys = await edgeKeys();
    await expect(mintOperatorToken(keys, 'alice', 0)).rejects.toThrow(RangeError);
    await expect(mintOperatorToken(keys, 'alice', 12 * 3600 + 1)).rejects.toThrow(RangeError);
  });

  it('refuses a token that lives longer than 12 h, or carries no jti to revoke it by', async () => {
    const keys = await edgeKeys();
    const sign = (claims: object) =>
      new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator })
        .sign(keys.privateKey);
    const claims = operatorClaims();
    const longLived = await sign({ ...claims, exp: claims.iat + 12 * 3600 + 1 });
    expect(await verifyOperatorToken(longLived, keys)).toEqual({ ok: false, reason: 'too_long_lived' });
    const { jti: _jti, ...withoutJti } = claims;
    expect(await verifyOperatorToken(await sign(withoutJti), keys)).toMatchObject({ ok: false });
    expect(
      await verifyOperatorToken(await sign({ ...claims, exp: claims.iat + 12 * 3600 }), keys),
    ).toMatchObject({
      ok: true,
    });
  });

  it('lineage: a minted token carries its lineage, minter first; a root carries none', async () => {
    const keys = await edgeKeys();
    const root = await verifyOperatorToken((await mintOperatorToken(keys, 'alice', 600)).token, keys);
    expect(root.ok && root.claims.lineage).toBeUndefined();
    const lineage = [crypto.randomUUID(), crypto.randomUUID()];
    const child = await verifyOperatorToken(
      (await mintOperatorToken(keys, 'alice', 600, Date.now, lineage)).token,
      keys,
    );
    expect(child.ok && child.claims.lineage).toEqual(lineage);
    expect(lineageOfChild({ tokenId: 'parent', lineage: ['grandparent'] })).toEqual([
      'parent',
      'grandparent',
    ]);
    expect(lineageOfChild({ tokenId: 'root' })).toEqual(['root']);
  });

  it('lineage: never cut short: too deep a minter gets null, and a longer claim is refused', async () => {
    const keys = await edgeKeys();
    const full = Array.from({ length: MAX_OPERATOR_TOKEN_LINEAGE }, () => crypto.randomUUID());
    expect(lineageOfChild({ tokenId: 'deep', lineage: full.slice(1) })).toHaveLength(
      MAX_OPERATOR_TOKEN_LINEAGE,
    );
    expect(lineageOfChild({ tokenId: 'deeper', lineage: full })).toBeNull();
    await expect(mintOperatorToken(keys, 'alice', 600, Date.now, [...full, 'one-more'])).rejects.toThrow(
      RangeError,
    );
    const tooLong = await new SignJWT({ ...operatorClaims(), lineage: [...full, 'one-more'] })
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator })
      .sign(keys.privateKey);
    expect(await verifyOperatorToken(tooLong, keys)).toEqual({ ok: false, reason: 'invalid_claims' });
  });
});
