import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, mintedOperatorTokenSchema } from '../../shared/index.ts';
import { operatorAuthorization } from '../testing/tenant-callers.ts';

async function call(authorization: string, method: string, path: string, body?: object) {
  return exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('operator tokens', () => {
  it('tokens: an operator mints a short-lived token that works, and revoking it locks it out', async () => {
    const root = await operatorAuthorization(env);
    const minted = await call(root, 'POST', '/v1/admin/tokens', {
      subject: 'oncall@example.com',
      ttl_seconds: 300,
    });
    expect(minted.status).toBe(201);
    const token = mintedOperatorTokenSchema.parse(await minted.json());
    expect(token.subject).toBe('oncall@example.com');
    expect(token.expires_at - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(300);
    const bearer = `Bearer ${token.token}`;
    expect((await call(bearer, 'GET', '/v1/admin/providers')).status).toBe(200);

    expect((await call(root, 'DELETE', `/v1/admin/tokens/${token.jti}`)).status).toBe(204);
    // This isolate forgets at once; others within the credential cache window.
    const refused = await call(bearer, 'GET', '/v1/admin/providers');
    expect(refused.status).toBe(401);
    expect(errorEnvelopeSchema.parse(await refused.json()).error.code).toBe('invalid_credentials');
    expect((await call(root, 'GET', '/v1/admin/providers')).status).toBe(200);
    // A subject that would show as another name in the audit log is refused, as every name is.
    const spoofed = await call(root, 'POST', '/v1/admin/tokens', {
      subject: 'oncall\u202Eevil',
      ttl_seconds: 60,
    });
    expect(spoofed.status).toBe(400);
    expect(errorEnvelopeSchema.parse(await spoofed.json()).error.param).toBe('subject');
    // A typo is not taken for a revocation: a token id is a UUID.
    const typo = await call(root, 'DELETE', '/v1/admin/tokens/not-a-jti');
    expect(typo.status).toBe(400);
    expect(errorEnvelopeSchema.parse(await typo.json()).error).toMatchObject({
      code: 'invalid_request',
      param: 'jti',
    });
  });

  it('tokens: a token id revoked in upper or mixed case revokes it, and the tokens minted with it', async () => {
    const root = await operatorAuthorization(env);
    const mint = async (authorization: string) => {
      const minted = await call(authorization, 'POST', '/v1/admin/tokens', { ttl_seconds: 300 });
      expect(minted.status).toBe(201);
      return mintedOperatorTokenSchema.parse(await minted.json());
    };
    for (const spell of [
      (id: string) => id.toUpperCase(),
      (id: string) => id.slice(0, 9).toUpperCase() + id.slice(9),
    ]) {
      const parent = await mint(root);
      const child = await mint(`Bearer ${parent.token}`);
      expect((await call(root, 'DELETE', `/v1/admin/tokens/${spell(parent.jti)}`)).status).toBe(204);
      for (const token of [parent, child]) {
        expect((await call(`Bearer ${token.token}`, 'GET', '/v1/admin/providers')).status).toBe(401);
      }
    }
  });

  it('tokens: the token id’s pattern in /openapi.json matches a token id (no JavaScript flag in it)', async () => {
    const document = (await (await call('', 'GET', '/openapi.json')).json()) as {
      paths: Record<string, { delete?: { parameters?: { name: string; schema: { pattern?: string } }[] } }>;
    };
    const parameter = document.paths['/v1/admin/tokens/{jti}']?.delete?.parameters?.find(
      (entry) => entry.name === 'jti',
    );
    const pattern = parameter?.schema.pattern;
    expect(pattern).toBeDefined();
    const id = crypto.randomUUID();
    for (const spelled of [id, id.toUpperCase()])
      expect(new RegExp(pattern ?? '$^').test(spelled)).toBe(true);
  });

  it('tokens: a minted token never outlives the token that minted it, and 12 h is the most asked for', async () => {
    const shortLived = await operatorAuthorization(env, 120);
    const minted = mintedOperatorTokenSchema.parse(
      await (await call(shortLived, 'POST', '/v1/admin/tokens', { ttl_seconds: 3600 })).json(),
    );
    expect(minted.expires_at - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(120);
    const tooLong = await call(shortLived, 'POST', '/v1/admin/tokens', { ttl_seconds: 12 * 3600 + 1 });
    expect(tooLong.status).toBe(400);
    expect(errorEnvelopeSchema.parse(await tooLong.json()).error.param).toBe('ttl_seconds');
  });
});
