import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, jobResourceSchema } from '../../shared/index.ts';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';

let callers: TenantCallers;
let alice: string;
let bob: string;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'owners-tenant');
  alice = await callers.appToken('alice');
  bob = await callers.appToken('bob');
});

async function call(authorization: string, method: string, path: string, init: RequestInit = {}) {
  return exports.default.fetch(`http://edge.test${path}`, {
    ...init,
    method,
    headers: { authorization, 'content-type': 'application/json', ...init.headers },
  });
}

async function submit(authorization: string, key?: string, extra: object = {}) {
  const response = await call(authorization, 'POST', '/v1/jobs', {
    body: JSON.stringify({ prompt: 'a fox', size: '64x64', ...extra }),
    headers: key === undefined ? {} : { 'idempotency-key': key },
  });
  return response;
}

describe('jobs of app users', () => {
  it('app users: one user cannot read, stream or cancel another user’s job; the tenant’s server can', async () => {
    const created = await submit(alice);
    expect(created.status).toBe(202);
    const job = jobResourceSchema.parse(await created.json());
    for (const [method, path] of [
      ['GET', `/v1/jobs/${job.id}`],
      ['GET', `/v1/jobs/${job.id}/events`],
      ['DELETE', `/v1/jobs/${job.id}`],
    ] as const) {
      const answer = await call(bob, method, path);
      expect([answer.status, errorEnvelopeSchema.parse(await answer.json()).error.code]).toEqual([
        404,
        'job_not_found',
      ]);
    }
    expect((await call(alice, 'GET', `/v1/jobs/${job.id}`)).status).toBe(200);
    expect((await call(callers.apiKey, 'GET', `/v1/jobs/${job.id}`)).status).toBe(200);
    expect((await call(callers.apiKey, 'DELETE', `/v1/jobs/${job.id}`)).status).toBe(200);
  });

  it('app users: the same Idempotency-Key from two users makes two jobs; a server’s job is not an app user’s', async () => {
    const fromAlice = jobResourceSchema.parse(await (await submit(alice, 'order-1')).json());
    const fromBob = jobResourceSchema.parse(await (await submit(bob, 'order-1')).json());
    const again = jobResourceSchema.parse(await (await submit(alice, 'order-1')).json());
    expect(fromBob.id).not.toBe(fromAlice.id);
    expect(again.id).toBe(fromAlice.id);
    const fromServer = jobResourceSchema.parse(await (await submit(callers.apiKey)).json());
    expect((await call(alice, 'GET', `/v1/jobs/${fromServer.id}`)).status).toBe(404);
    for (const id of [fromAlice.id, fromBob.id, fromServer.id])
      await call(callers.apiKey, 'DELETE', `/v1/jobs/${id}`);
  });

  it('app users: a webhook (signed with the tenant’s secret) can only be set by the tenant’s servers', async () => {
    const answer = await submit(alice, undefined, { webhook: 'https://hooks.example.com/spillway' });
    expect(answer.status).toBe(403);
    expect(errorEnvelopeSchema.parse(await answer.json()).error).toMatchObject({
      code: 'insufficient_scope',
      param: 'webhook',
    });
  });
});
