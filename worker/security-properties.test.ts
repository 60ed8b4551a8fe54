import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, jobResourceSchema } from '../shared/index.ts';
import { MAX_BODY_BYTES } from './middleware/read-json-body.ts';
import { registerTenantCallers, type TenantCallers } from './testing/tenant-callers.ts';
import { testApp, testDeps } from './testing/test-app.ts';

// Generated cases for the classes of issue 12, through the real app and Durable Objects in workerd.

const publicOrigin = 'https://api.spillway.test';
let callers: TenantCallers;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'property-tenant');
});

function app() {
  const deps = testDeps(env);
  return testApp(env, { ...deps, config: { ...deps.config, publicOrigin } });
}

async function envelope(response: Response) {
  return [response.status, errorEnvelopeSchema.parse(await response.json()).error.code] as const;
}

describe('security properties', () => {
  it('heartbeats: any pool id that is not registered gets the same 401, whatever it looks like', async () => {
    const edge = app();
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[\w.-]{1,80}$/),
        fc.string({ maxLength: 200 }),
        async (poolId, body) => {
          const response = await edge.request(
            `/v1/pools/${encodeURIComponent(`unregistered-${poolId}`)}/telemetry`,
            { method: 'POST', headers: { 'content-type': 'application/jwt' }, body },
            env,
          );
          expect(await envelope(response)).toEqual([401, 'invalid_credentials']);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('bodies: any JSON body over the limit in UTF-8 bytes is 413, however few characters it has', async () => {
    const edge = app();
    const wide = fc.constantFrom('é', '€', '𝄞', '中');
    await fc.assert(
      fc.asyncProperty(wide, fc.integer({ min: 1, max: 4_000 }), async (character, extraBytes) => {
        const bytesEach = new TextEncoder().encode(character).byteLength;
        const count = Math.ceil((MAX_BODY_BYTES + extraBytes) / bytesEach);
        const body = JSON.stringify({ prompt: 'a', user: character.repeat(count) });
        const response = await edge.request(
          '/v1/images/generations',
          {
            method: 'POST',
            headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
            body,
          },
          env,
        );
        expect(await envelope(response)).toEqual([413, 'payload_too_large']);
      }),
      { numRuns: 20 },
    );
  });

  it('jobs: for any two distinct app users, neither sees nor cancels the other’s job', async () => {
    const edge = app();
    const sub = fc.stringMatching(/^[\w@.|-]{1,40}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(sub, { minLength: 2, maxLength: 2 }),
        async ([owner = '', other = '']) => {
          const submit = await edge.request(
            '/v1/jobs',
            {
              method: 'POST',
              headers: { authorization: await callers.appToken(owner), 'content-type': 'application/json' },
              body: JSON.stringify({ prompt: 'a fox', size: '64x64' }),
            },
            env,
          );
          expect(submit.status).toBe(202);
          const job = jobResourceSchema.parse(await submit.json());
          const otherToken = await callers.appToken(other);
          for (const method of ['GET', 'DELETE']) {
            const answer = await edge.request(
              `/v1/jobs/${job.id}`,
              { method, headers: { authorization: otherToken } },
              env,
            );
            expect(await envelope(answer)).toEqual([404, 'job_not_found']);
          }
          const cleanup = await edge.request(
            `/v1/jobs/${job.id}`,
            { method: 'DELETE', headers: { authorization: callers.apiKey } },
            env,
          );
          expect(cleanup.status).toBe(200);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('public URLs: no Host header a client sends appears in a job’s URLs', async () => {
    const edge = app();
    const host = fc.domain();
    await fc.assert(
      fc.asyncProperty(host, async (forged) => {
        const submit = await edge.request(
          `http://${forged}/v1/jobs`,
          {
            method: 'POST',
            headers: { authorization: callers.apiKey, 'content-type': 'application/json', host: forged },
            body: JSON.stringify({ prompt: 'a fox', size: '64x64' }),
          },
          env,
        );
        expect(submit.status).toBe(202);
        const job = jobResourceSchema.parse(await submit.json());
        for (const url of [job.status_url, job.events_url, job.cancel_url])
          expect(new URL(url).origin).toBe(publicOrigin);
        await edge.request(
          `/v1/jobs/${job.id}`,
          { method: 'DELETE', headers: { authorization: callers.apiKey } },
          env,
        );
      }),
      { numRuns: 8 },
    );
  });
});
