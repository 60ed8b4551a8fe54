import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobResourceSchema } from '../shared/index.ts';
import { parseEdgeConfig } from './config.ts';
import { registerTenantCallers, type TenantCallers } from './testing/tenant-callers.ts';
import { testApp, testDeps } from './testing/test-app.ts';

const publicOrigin = 'https://api.spillway.test';
let callers: TenantCallers;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'origin-tenant');
});

function appWithPublicOrigin() {
  const deps = testDeps(env);
  return testApp(env, { ...deps, config: { ...deps.config, publicOrigin } });
}

describe('public origin', () => {
  it('public origin: PUBLIC_ORIGIN must be a bare http(s) origin, and is required in a deployment', () => {
    const base = { EDGE_SIGNING_KEY: '{"kty":"OKP"}' };
    expect(parseEdgeConfig({ ...base, PUBLIC_ORIGIN: 'https://api.example.com/' }).publicOrigin).toBe(
      'https://api.example.com',
    );
    for (const bad of ['https://api.example.com/v1', 'ftp://api.example.com', 'api.example.com']) {
      expect(() => parseEdgeConfig({ ...base, PUBLIC_ORIGIN: bad })).toThrow(/PUBLIC_ORIGIN/);
    }
    expect(() => parseEdgeConfig({ ...base, ENVIRONMENT: 'production' })).toThrow(
      /PUBLIC_ORIGIN is required/,
    );
    expect(parseEdgeConfig(base).publicOrigin).toBeNull();
  });

  it('public origin: a forged Host header never reaches job URLs or the document; the configured origin does', async () => {
    const app = appWithPublicOrigin();
    const document = await app.request('http://attacker.example/openapi.json', {}, env);
    expect(((await document.json()) as { servers: { url: string }[] }).servers).toEqual([
      { url: publicOrigin },
    ]);

    const created = await app.request(
      'http://attacker.example/v1/jobs',
      {
        method: 'POST',
        headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a fox', size: '64x64' }),
      },
      env,
    );
    expect(created.status).toBe(202);
    const job = jobResourceSchema.parse(await created.json());
    for (const url of [job.status_url, job.events_url, job.cancel_url]) {
      expect(url.startsWith(`${publicOrigin}/v1/jobs/`)).toBe(true);
    }
    const canceled = await app.request(
      `http://attacker.example/v1/jobs/${job.id}`,
      { method: 'DELETE', headers: { authorization: callers.apiKey } },
      env,
    );
    expect(canceled.status).toBe(200);
  });
});
