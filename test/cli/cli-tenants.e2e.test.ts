import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { startTestStack } from '../edge/edge-stack.ts';
import { type CliPlace, expectOneLineError, localStackPlace, runCli, runJson } from './cli-runner.ts';

let stack: LocalStack;
/** A checkout where `npm start` ran: `.spillway/local.json`, no flags needed. */
let local: CliPlace;

beforeAll(async () => {
  // Tenants, limits, keys and tokens live at the edge alone: no pool needed.
  stack = await startTestStack({ withoutPools: true });
  local = localStackPlace(stack);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

interface LimitsRecord {
  tier: string;
  limits: Record<'requests_per_minute' | 'images_per_minute' | 'concurrent_generations', number>;
  overrides: Record<'requests_per_minute' | 'images_per_minute' | 'concurrent_generations', number | null>;
}

/** A GET as a client with `credential` would send it; the status is what matters. */
async function statusWith(credential: string, path: string): Promise<number> {
  const response = await fetch(`${stack.edgeUrl}${path}`, {
    headers: { authorization: `Bearer ${credential}` },
  });
  await response.body?.cancel();
  return response.status;
}

describe('spillway CLI: tenants, limits, keys and operator tokens', () => {
  it('tenants and keys: a tenant, a key printed once, listed without the secret, then revoked', async () => {
    expect((await runCli(local, 'tenants', 'add', 'acme', '--name', 'Acme', '--tier', 'free')).code).toBe(0);
    const tenants = await runJson<Array<{ id: string; tier: string }>>(local, 'tenants', 'list');
    expect(tenants).toContainEqual(expect.objectContaining({ id: 'acme', tier: 'free' }));

    const created = await runCli(local, 'keys', 'create', '--tenant', 'acme', '--name', 'ci');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^sk_live_\w+$/);
    type Key = { id: string; prefix: string; revoked_at: number | null };
    const [listed, ...others] = await runJson<Key[]>(local, 'keys', 'list', '--tenant', 'acme');
    expect(others).toEqual([]);
    expect(listed?.revoked_at).toBeNull();
    expect(key.startsWith(String(listed?.prefix))).toBe(true);
    const table = await runCli(local, 'keys', 'list');
    expect(table.stdout).not.toContain(key);

    expect((await runCli(local, 'keys', 'revoke', String(listed?.id))).code).toBe(0);
    const [revoked] = await runJson<Key[]>(local, 'keys', 'list', '--tenant', 'acme');
    expect(revoked?.revoked_at).toEqual(expect.any(Number));
    const refused = await runCli(
      local,
      'generate',
      'a fox',
      '-o',
      join(local.cwd, 'no.png'),
      '--api-key',
      key,
    );
    expectOneLineError(refused, 5, /the edge refused the API key \(401/);
  });

  it('tenants rm: the tenant is gone and its key refused; the id is not given out again', async () => {
    expect((await runCli(local, 'tenants', 'add', 'leaving', '--name', 'L', '--tier', 'paid')).code).toBe(0);
    const key = (await runCli(local, 'keys', 'create', '--tenant', 'leaving', '--name', 'app')).stdout.trim();
    expect(await statusWith(key, '/v1/models')).toBe(200);
    const removed = await runCli(local, 'tenants', 'rm', 'leaving');
    expect([removed.code, removed.stdout]).toEqual([0, 'tenant leaving deleted: its keys are revoked\n']);
    const tenants = await runJson<Array<{ id: string }>>(local, 'tenants', 'list');
    expect(tenants.map((tenant) => tenant.id)).not.toContain('leaving');
    // Another isolate may have checked the key in the last 5 s (CREDENTIAL_CACHE_MS).
    await vi.waitFor(async () => expect(await statusWith(key, '/v1/models')).toBe(401), {
      timeout: 10_000,
      interval: 250,
    });
    expectOneLineError(
      await runCli(local, 'tenants', 'add', 'leaving', '--name', 'L2', '--tier', 'free'),
      1,
      /^error: resource_conflict: tenant leaving was deleted; ids are not reused/,
    );
    expectOneLineError(
      await runCli(local, 'tenants', 'rm', 'leaving'),
      1,
      /^error: not_found: tenant not found/,
    );
  });

  it('tenants limits: shows the tier defaults, overrides some, and `default` puts one back', async () => {
    expect(
      (await runCli(local, 'tenants', 'add', 'limited', '--name', 'Limited', '--tier', 'free')).code,
    ).toBe(0);
    const defaults = await runJson<LimitsRecord>(local, 'tenants', 'limits', 'limited');
    expect(defaults.tier).toBe('free');
    expect(Object.values(defaults.overrides)).toEqual([null, null, null]);

    const table = await runCli(
      local,
      'tenants',
      'limits',
      'limited',
      '--images-per-minute',
      '7',
      '--concurrent-generations',
      '2',
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^images per minute\s+7\s+override$/m);
    expect(table.stdout).toMatch(/^concurrent sync generations\s+2\s+override$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^requests per minute\\s+${defaults.limits.requests_per_minute}\\s+free default$`, 'm'),
    );

    // A flag left out keeps its override; `default` removes one.
    const reset = await runJson<LimitsRecord>(
      local,
      'tenants',
      'limits',
      'limited',
      '--images-per-minute',
      'default',
    );
    expect(reset.overrides).toEqual({
      requests_per_minute: null,
      images_per_minute: null,
      concurrent_generations: 2,
    });
    expect(reset.limits.images_per_minute).toBe(defaults.limits.images_per_minute);

    expectOneLineError(
      await runCli(local, 'tenants', 'limits', 'limited', '--requests-per-minute', '0'),
      2,
      /expected a positive integer or "default"/,
    );
    expectOneLineError(
      await runCli(local, 'tenants', 'limits', 'nobody'),
      1,
      /^error: not_found: tenant not found\n$/,
    );
  });

  it("tenants add --app-token-*: the tenant's app users' JWTs are accepted, and half the flags are refused", async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwksFile = join(local.cwd, 'jwks.json');
    writeFileSync(
      jwksFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }),
    );
    const issuer = 'https://auth.mobile.example';
    const added = await runCli(
      local,
      ...['tenants', 'add', 'mobile', '--name', 'Mobile', '--tier', 'paid'],
      ...['--app-token-issuer', issuer, '--app-token-audience', 'spillway', '--app-token-jwks', jwksFile],
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect((await runCli(local, 'tenants', 'list')).stdout).toMatch(new RegExp(`^mobile\\s.*${issuer}`, 'm'));

    const appToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('spillway')
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await statusWith(appToken, '/v1/models')).toBe(200);

    // A tier change alone keeps the app's tokens working; removing them is explicit.
    expect((await runCli(local, 'tenants', 'add', 'mobile', '--tier', 'enterprise')).code).toBe(0);
    expect(await statusWith(appToken, '/v1/models')).toBe(200);
    expect((await runCli(local, 'tenants', 'add', 'mobile', '--remove-app-tokens')).code).toBe(0);
    expect(await statusWith(appToken, '/v1/models')).toBe(401);
    expectOneLineError(
      await runCli(local, 'tenants', 'add', 'brand-new', '--name', 'B'),
      1,
      /^error: invalid_request: tier: required for a new tenant\n$/,
    );

    expectOneLineError(
      await runCli(
        local,
        'tenants',
        'add',
        'half',
        '--name',
        'H',
        '--tier',
        'free',
        '--app-token-issuer',
        issuer,
      ),
      2,
      /missing --app-token-audience, --app-token-jwks/,
    );
    writeFileSync(jwksFile, '{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"k1"}]}');
    const secretKey = await runCli(
      local,
      ...['tenants', 'add', 'hmac', '--name', 'H', '--tier', 'free'],
      ...['--app-token-issuer', issuer, '--app-token-audience', 'a', '--app-token-jwks', jwksFile],
    );
    expectOneLineError(secretKey, 1, /^error: invalid_request: app_tokens\.jwks\.keys\.0\.kty/);
  });

  it("tenants add --app-token-jwks <url>: the edge fetches the issuer's key set, and a wrong URL is refused", async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const published = { keys: [{ ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' }] };
    // The identity provider's jwks_uri, as RFC 7517 and OpenID Connect Discovery publish it.
    const server = createServer((request, response) => {
      const found = request.url === '/.well-known/jwks.json';
      response.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
      response.end(found ? JSON.stringify(published) : '{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const issuer = 'https://idp.example';
      const flags = ['--app-token-issuer', issuer, '--app-token-audience', 'app'];
      const wrong = await runCli(
        local,
        ...['tenants', 'add', 'idp-co', '--name', 'I', '--tier', 'paid', ...flags],
        ...['--app-token-jwks', `http://127.0.0.1:${port}/jwks`],
      );
      expectOneLineError(wrong, 1, /app_tokens\.jwks_uri: no usable key set there: it answered 404/);
      const added = await runCli(
        local,
        ...['tenants', 'add', 'idp-co', '--name', 'I', '--tier', 'paid', ...flags],
        ...['--app-token-jwks', `http://127.0.0.1:${port}/.well-known/jwks.json`],
      );
      expect(added.code).toBe(0);
      const appToken = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .setIssuer(issuer)
        .setAudience('app')
        .setSubject('user-2')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      expect(await statusWith(appToken, '/v1/models')).toBe(200);
    } finally {
      server.close();
    }
  });

  it('tokens: a minted token is printed alone, works, and is refused once revoked', async () => {
    const minted = await runCli(local, 'tokens', 'create', '--subject', 'alice', '--ttl', '10m');
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const jti = /^token (\S+) for alice, valid until /.exec(minted.stderr)?.[1];
    expect(jti).toBeDefined();
    expect(await statusWith(token, '/v1/admin/providers')).toBe(200);

    expect((await runCli(local, 'tokens', 'revoke', String(jti))).stdout).toBe(`token ${jti} revoked\n`);
    // Every isolate refuses it within 5 s; this edge's own isolate at once.
    expect(await statusWith(token, '/v1/admin/providers')).toBe(401);
    expectOneLineError(await runCli(local, 'tokens', 'create', '--ttl', '13h'), 2, /from 60s to 12h/);
  });
});
