import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { errorEnvelopeSchema, tokenTypes } from '../../shared/index.ts';
import { generateViaEdge, startTestStack, waitForTelemetry } from './edge-stack.ts';

let stack: LocalStack;
const appIssuer = 'https://auth.example-app.com';
let appKeys: Awaited<ReturnType<typeof generateKeyPair>>;

beforeAll(async () => {
  stack = await startTestStack();
  appKeys = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(appKeys.publicKey);
  await adminClient(stack.edgeUrl, stack.operatorToken).putTenant({
    id: 'mobile',
    name: 'Mobile app',
    tier: 'free',
    app_tokens: {
      issuer: appIssuer,
      audience: 'spillway',
      jwks: { keys: [{ ...publicJwk, kid: 'app-1', alg: 'ES256' }] },
    },
  } as never);
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const quick = { prompt: 'auth check', size: '64x64', steps: 1 } as const;
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const appToken = (overrides: { kid?: string; expiresIn?: string; audience?: string } = {}) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: overrides.kid ?? 'app-1' })
    .setIssuer(appIssuer)
    .setAudience(overrides.audience ?? 'spillway')
    .setSubject('device-123')
    .setIssuedAt()
    .setExpirationTime(overrides.expiresIn ?? '10m')
    .sign(appKeys.privateKey);

describe('edge auth end to end', () => {
  it('auth: a demo API key and a tenant app token both work', async () => {
    expect((await generateViaEdge(stack, quick)).status).toBe(200);
    expect((await generateViaEdge(stack, quick, await appToken())).status).toBe(200);
  });

  const attacks: Array<[string, () => Promise<string>]> = [
    ['no credentials', async () => ''],
    ['an unknown API key', async () => 'sk_live_0000000000000000000000000000000000000000'],
    [
      'an alg:none token',
      async () =>
        `${base64url({ alg: 'none', kid: 'app-1' })}.${base64url({ iss: appIssuer, aud: 'spillway', sub: 'x', exp: 9_999_999_999 })}.`,
    ],
    [
      'an HS256 token keyed with the app’s public key (algorithm confusion)',
      async () => {
        const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(appKeys.publicKey)));
        return new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', kid: 'app-1' })
          .setIssuer(appIssuer)
          .setAudience('spillway')
          .setSubject('x')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(secret);
      },
    ],
    ['a token with an unknown kid', () => appToken({ kid: 'app-9' })],
    ['an expired token', () => appToken({ expiresIn: '-5m' })],
    ['a token for another audience', () => appToken({ audience: 'someone-else' })],
    ['an oversized token', async () => `${await appToken()}${'A'.repeat(20_000)}`],
    [
      'an operator token signed by someone else',
      async () => {
        const { privateKey } = await generateKeyPair('EdDSA');
        return new SignJWT({ scope: 'operator' })
          .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator, kid: 'edge-local' })
          .setIssuer('spillway-edge')
          .setAudience('spillway-admin')
          .setSubject('mallory')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
      },
    ],
  ];
  for (const [name, makeToken] of attacks) {
    it(`auth: ${name} gets 401 in the error envelope`, async () => {
      const token = await makeToken();
      const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(quick),
      });
      expect(response.status).toBe(401);
      expect(errorEnvelopeSchema.parse(await response.json()).error.type).toBe('authentication_error');
    });
  }

  it('auth: a tenant credential on the admin API gets 403', async () => {
    const response = await fetch(`${stack.edgeUrl}/v1/admin/pools`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    expect(response.status).toBe(403);
    expect(errorEnvelopeSchema.parse(await response.json()).error.code).toBe('insufficient_scope');
  });

  it('auth: a revoked API key stops working', async () => {
    const admin = adminClient(stack.edgeUrl, stack.operatorToken);
    const minted = await admin.mintKey('demo');
    expect((await generateViaEdge(stack, quick, minted.key)).status).toBe(200);
    const revoked = await fetch(`${stack.edgeUrl}/v1/admin/keys/${minted.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${stack.operatorToken}` },
    });
    expect(revoked.status).toBe(204);
    expect((await generateViaEdge(stack, quick, minted.key)).status).toBe(401);
  });

  it('errors: bad input is 400, an unknown model 404, each in the envelope', async () => {
    const bad = await generateViaEdge(stack, { prompt: '', n: 99 });
    expect(bad.status).toBe(400);
    const unknown = await generateViaEdge(stack, { prompt: 'x', model: 'dall-e-9' });
    expect(unknown.status).toBe(404);
    expect(errorEnvelopeSchema.parse(unknown.body).error.code).toBe('model_not_found');
  });
});
