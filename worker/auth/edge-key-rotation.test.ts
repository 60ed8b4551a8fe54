import { env } from 'cloudflare:workers';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';
import { parseEdgeConfig } from '../config.ts';
import { webhookSignatureHeader } from '../jobs/webhook-delivery.ts';
import { testApp, testDeps } from '../testing/test-app.ts';
import { sealCredential } from './credential-sealing.ts';
import { createDispatchSigner } from './dispatch-token.ts';
import { loadEdgeKeys } from './edge-keys.ts';
import { mintOperatorToken, verifyOperatorToken } from './operator-token.ts';
import { ProviderCredentials } from './provider-credentials.ts';
import { signResultGrant, verifyResultGrant } from './result-url-signature.ts';
import { signWebhook, webhookSecret } from './webhook-signature.ts';

/** A fresh `EDGE_SIGNING_KEY` value: a private Ed25519 JWK with `kid`. */
async function edgeSecret(kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid });
}

const oldKey = env.EDGE_SIGNING_KEY;
const newKey = await edgeSecret('edge-next');
/** The edge during the rotation: signs with the new key, still verifies the old one. */
const rotating = { ...env, EDGE_SIGNING_KEY: newKey, EDGE_SIGNING_KEY_PREVIOUS: oldKey };
/** The edge after the rotation: the old key is gone. */
const rotated = { ...env, EDGE_SIGNING_KEY: newKey, EDGE_SIGNING_KEY_PREVIOUS: '' };

async function adminStatus(bindings: Env, token: string): Promise<number> {
  const response = await testApp(bindings).request(
    '/v1/admin/tokens',
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ttl_seconds: 60 }),
    },
    bindings,
  );
  return response.status;
}

describe('EDGE_SIGNING_KEY rotation', () => {
  it('rotation: an operator token signed by the previous key works while it is configured, not after', async () => {
    const { token } = await mintOperatorToken(await loadEdgeKeys(oldKey), 'ops@rotation', 600);
    expect(await adminStatus(rotating, token)).toBe(201);
    expect(await adminStatus(rotated, token)).toBe(401);
    const removed = await verifyOperatorToken(token, await loadEdgeKeys(newKey));
    expect(removed).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('rotation: new tokens carry the current kid and verify; a kid-less forgery does not', async () => {
    const keys = await loadEdgeKeys(newKey, oldKey);
    const minted = await mintOperatorToken(keys, 'ops@rotation', 600);
    expect(JSON.parse(atob(minted.token.split('.')[0] ?? ''))).toMatchObject({ kid: 'edge-next' });
    expect((await verifyOperatorToken(minted.token, keys)).ok).toBe(true);
    // An old-key token stripped of its kid falls to the current key, whose signature it lacks.
    const old = await mintOperatorToken(await loadEdgeKeys(oldKey), 'ops@rotation', 600);
    const [, payload, signature] = old.token.split('.');
    const header = btoa(JSON.stringify({ alg: 'EdDSA', typ: tokenTypes.operator })).replace(/=+$/, '');
    const stripped = `${header}.${payload}.${signature}`;
    expect(await verifyOperatorToken(stripped, keys)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('jwks: lists both public keys during a rotation, only the current one after', async () => {
    const during = await testApp(rotating).request('/.well-known/jwks.json', {}, rotating);
    expect(during.status).toBe(200);
    expect(during.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const { keys } = (await during.json()) as { keys: JWK[] };
    expect(keys.map((key) => key.kid)).toEqual(['edge-next', 'edge-test']);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    // What a pool does with --edge-jwks-url: dispatch tokens by either key verify against it.
    const jwks = createLocalJWKSet({ keys });
    for (const secret of [oldKey, newKey]) {
      const token = await createDispatchSigner(await loadEdgeKeys(secret))('pool-eu-1', 'acme');
      const verified = await jwtVerify(token, jwks, {
        algorithms: ['EdDSA'],
        issuer: edgeIssuer,
        audience: 'pool-eu-1',
        typ: tokenTypes.dispatch,
      });
      expect(verified.payload.sub).toBe('acme');
    }
    const after = (await (await testApp(rotated).request('/.well-known/jwks.json', {}, rotated)).json()) as {
      keys: JWK[];
    };
    expect(after.keys.map((key) => key.kid)).toEqual(['edge-next']);
  });

  it('result URLs: one signed before the rotation verifies while the previous key is set, not after', async () => {
    const grant = { resultId: 'job_rotation', index: 0, expires: 2_000_000_000 };
    const signature = await signResultGrant(oldKey, grant);
    const now = 1_900_000_000;
    expect(
      await verifyResultGrant(parseEdgeConfig(rotating).edgeSigningKeys, grant, signature, now),
    ).toBeNull();
    expect(await verifyResultGrant(parseEdgeConfig(rotated).edgeSigningKeys, grant, signature, now)).toBe(
      'bad_signature',
    );
    const fresh = await signResultGrant(parseEdgeConfig(rotating).edgeSigningKey, grant);
    expect(await verifyResultGrant(parseEdgeConfig(rotated).edgeSigningKeys, grant, fresh, now)).toBeNull();
  });

  it('sealing: a provider key sealed under the old signing key opens across the rotation', async () => {
    const sealed = await sealCredential(parseEdgeConfig(env).credentialsKey, 'openai', 'sk-before-rotation');
    const source = { providerId: 'openai', sealed, secretName: null };
    const during = new ProviderCredentials(parseEdgeConfig(rotating).credentialsKeys, () => undefined);
    expect(await during.credentialFor(source)).toBe('sk-before-rotation');
    // Re-sealed during the overlap (the operator sets the provider's key again), it outlives the old key.
    const resealed = await sealCredential(
      parseEdgeConfig(rotating).credentialsKey,
      'openai',
      'sk-before-rotation',
    );
    const after = new ProviderCredentials(parseEdgeConfig(rotated).credentialsKeys, () => undefined);
    expect(await after.credentialFor({ ...source, sealed: resealed })).toBe('sk-before-rotation');
    await expect(after.credentialFor(source)).rejects.toThrow(/cannot be read/);
  });

  it('sealing: setting PROVIDER_CREDENTIALS_KEY later does not orphan keys sealed under the signing key', async () => {
    const sealed = await sealCredential(oldKey, 'fal', 'fal-key');
    const config = parseEdgeConfig({ ...env, PROVIDER_CREDENTIALS_KEY: 'p'.repeat(40) });
    expect(config.credentialsKeys).toEqual(['p'.repeat(40), oldKey]);
    const credentials = new ProviderCredentials(config.credentialsKeys, () => undefined);
    expect(await credentials.credentialFor({ providerId: 'fal', sealed, secretName: null })).toBe('fal-key');
  });

  it('webhooks: deliveries during the rotation carry a signature a receiver on the old secret accepts', async () => {
    const input = { id: 'msg_job_rotation', timestamp: 1_900_000_000, body: '{"status":"succeeded"}' };
    const generations = { current: 0, previous: [] };
    const header = await webhookSignatureHeader(
      parseEdgeConfig(rotating).edgeSigningKeys,
      'acme',
      generations,
      input,
    );
    const signatures = header.split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures).toContain(await signWebhook(await webhookSecret(oldKey, 'acme', 0), input));
    expect(signatures).toContain(await signWebhook(await webhookSecret(newKey, 'acme', 0), input));
  });

  it('config: the previous key must differ by kid, and its errors name it', async () => {
    await expect(loadEdgeKeys(newKey, newKey)).rejects.toThrow(
      /EDGE_SIGNING_KEY_PREVIOUS must have a "kid" other/,
    );
    await expect(loadEdgeKeys(newKey, '{"kty":"OKP"}')).rejects.toThrow(
      /^EDGE_SIGNING_KEY_PREVIOUS .*Ed25519/,
    );
    const deps = testDeps({ ...env, EDGE_SIGNING_KEY: newKey, EDGE_SIGNING_KEY_PREVIOUS: '{"kty":"EC"}' });
    await expect(deps.edgeKeys()).rejects.toThrow(/EDGE_SIGNING_KEY_PREVIOUS/);
  });
});
