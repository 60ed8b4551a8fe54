import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import {
  errorEnvelopeSchema,
  MAX_OPERATOR_TOKEN_LINEAGE,
  mintedOperatorTokenSchema,
} from '../../shared/index.ts';
import { cookieOf, sessionFrom, signIn } from '../dashboard/testing/dashboard-client.ts';
import { operatorAuthorization } from '../testing/tenant-callers.ts';

type MintedOperatorToken = z.infer<typeof mintedOperatorTokenSchema>;

async function call(authorization: string, method: string, path: string, body?: object) {
  return exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** `POST /v1/admin/tokens` with `authorization`; the minted token, or a failure naming the status. */
async function mintWith(authorization: string, ttlSeconds = 600): Promise<MintedOperatorToken> {
  const response = await call(authorization, 'POST', '/v1/admin/tokens', { ttl_seconds: ttlSeconds });
  expect(response.status, await response.clone().text()).toBe(201);
  return mintedOperatorTokenSchema.parse(await response.json());
}

const bearer = (token: MintedOperatorToken) => `Bearer ${token.token}`;

async function revoke(authorization: string, token: MintedOperatorToken): Promise<void> {
  expect((await call(authorization, 'DELETE', `/v1/admin/tokens/${token.jti}`)).status).toBe(204);
}

/** The status and error message an admin read gets with `authorization`. */
async function adminRead(authorization: string): Promise<[number, string | null]> {
  const response = await call(authorization, 'GET', '/v1/admin/providers');
  if (response.status === 200) return [200, null];
  return [response.status, errorEnvelopeSchema.parse(await response.json()).error.message];
}

const OK: [number, null] = [200, null];
const REVOKED = [401, 'the token was revoked'];
const ANCESTOR_REVOKED = [401, 'the token was revoked: it was minted with a token that was revoked'];

describe('operator token lineage', () => {
  it('lineage: revoking a token locks out the token it minted, which cannot outlive it anyway', async () => {
    const root = await operatorAuthorization(env, 1800);
    const parent = await mintWith(root, 900);
    const child = await mintWith(bearer(parent), 3600);
    expect(child.expires_at).toBeLessThanOrEqual(parent.expires_at);
    expect(await adminRead(bearer(child))).toEqual(OK);

    await revoke(root, parent);
    expect(await adminRead(bearer(child))).toEqual(ANCESTOR_REVOKED);
    expect(await adminRead(bearer(parent))).toEqual(REVOKED);
    // Nor can the child mint its way out.
    expect((await call(bearer(child), 'POST', '/v1/admin/tokens', { ttl_seconds: 60 })).status).toBe(401);
    expect(await adminRead(root)).toEqual(OK);
  });

  it('lineage: revoking a grandparent locks out its child and grandchild, however deep', async () => {
    const root = await operatorAuthorization(env);
    const grandparent = await mintWith(root);
    const parent = await mintWith(bearer(grandparent));
    const child = await mintWith(bearer(parent));
    const grandchild = await mintWith(bearer(child));
    expect(await adminRead(bearer(grandchild))).toEqual(OK);

    await revoke(root, grandparent);
    for (const descendant of [parent, child, grandchild]) {
      expect(await adminRead(bearer(descendant))).toEqual(ANCESTOR_REVOKED);
    }
  });

  it('lineage: revoking one token leaves its minter, its siblings and other lineages working', async () => {
    const root = await operatorAuthorization(env);
    const otherRoot = await operatorAuthorization(env);
    const parent = await mintWith(root);
    const [revoked, sibling] = [await mintWith(bearer(parent)), await mintWith(bearer(parent))];
    const nephew = await mintWith(bearer(sibling));
    const revokedChild = await mintWith(bearer(revoked));
    const unrelated = await mintWith(otherRoot);

    await revoke(root, revoked);
    expect(await adminRead(bearer(revokedChild))).toEqual(ANCESTOR_REVOKED);
    expect(await adminRead(bearer(revoked))).toEqual(REVOKED);
    for (const working of [
      root,
      otherRoot,
      bearer(parent),
      bearer(sibling),
      bearer(nephew),
      bearer(unrelated),
    ]) {
      expect(await adminRead(working)).toEqual(OK);
    }
  });

  it('lineage: a chain is never cut short: a token minted through the most tokens cannot mint (403)', async () => {
    let minter = await operatorAuthorization(env);
    const chain: MintedOperatorToken[] = [];
    for (let depth = 0; depth < MAX_OPERATOR_TOKEN_LINEAGE; depth++) {
      const minted = await mintWith(minter);
      chain.push(minted);
      minter = bearer(minted);
    }
    const deepest = await call(minter, 'POST', '/v1/admin/tokens', { ttl_seconds: 60 });
    expect(deepest.status).toBe(403);
    expect(errorEnvelopeSchema.parse(await deepest.json()).error.code).toBe('insufficient_scope');
    // The first minted token is the deepest's oldest ancestor: revoking it still reaches the end.
    const [first] = chain;
    if (!first) throw new Error('no chain');
    await revoke(await operatorAuthorization(env), first);
    expect(await adminRead(minter)).toEqual(ANCESTOR_REVOKED);
  });

  it('lineage: a dashboard session opened with a minted token ends when its minter is revoked', async () => {
    const root = await operatorAuthorization(env);
    const parent = await mintWith(root);
    const child = await mintWith(bearer(parent));
    const session = sessionFrom(await signIn(child.token));
    const read = () =>
      exports.default.fetch('http://edge.test/v1/admin/pools', { headers: cookieOf(session) });
    expect((await read()).status).toBe(200);

    await revoke(root, parent);
    expect((await read()).status).toBe(401);
  });

  it('lineage: a forged token is still refused with the plain message, revoked lineage or not', async () => {
    const root = await operatorAuthorization(env);
    const parent = await mintWith(root);
    const child = await mintWith(bearer(parent));
    await revoke(root, parent);
    const [header, payload] = child.token.split('.');
    const forged = `Bearer ${header}.${payload}.${'A'.repeat(86)}`;
    expect(await adminRead(forged)).toEqual([401, 'the credentials were refused']);
  });

  it('lineage: minting is logged with the minter, the new id, subject and expiry, never the token', async () => {
    const root = await operatorAuthorization(env);
    const parent = await mintWith(root);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const response = await call(bearer(parent), 'POST', '/v1/admin/tokens', {
        subject: 'oncall@example.com',
        ttl_seconds: 300,
      });
      const child = mintedOperatorTokenSchema.parse(await response.json());
      const lines = log.mock.calls.map(([line]) => String(line));
      const minted = lines
        .filter((line) => line.includes('operator token minted'))
        .map((line) => JSON.parse(line) as unknown);
      expect(minted).toEqual([
        expect.objectContaining({
          level: 'info',
          msg: 'operator token minted',
          minted_by: { subject: 'ops@test', jti: parent.jti },
          jti: child.jti,
          subject: 'oncall@example.com',
          expires_at: child.expires_at,
          lineage: [parent.jti, expect.any(String)],
        }),
      ]);
      for (const line of lines) {
        expect(line).not.toContain(child.token.split('.')[2]);
        expect(line).not.toContain(parent.token.split('.')[2]);
      }
    } finally {
      log.mockRestore();
    }
  });
});
