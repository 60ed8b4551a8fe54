import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';

let callers: TenantCallers;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'job-bodies');
});

function submit(body: object) {
  return exports.default.fetch('http://edge.test/v1/jobs', {
    method: 'POST',
    headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function refusal(response: Response) {
  return { status: response.status, error: errorEnvelopeSchema.parse(await response.json()).error };
}

describe('POST /v1/jobs bodies', () => {
  it('a misspelt field is refused by name: a job must not run without the webhook meant', async () => {
    expect(await refusal(await submit({ prompt: 'x', webhok: 'https://hooks.example/done' }))).toMatchObject({
      status: 400,
      error: { code: 'invalid_request', param: 'webhok' },
    });
  });

  it('what a job cannot deliver is refused at submission, not found missing in its result', async () => {
    const b64 = await refusal(await submit({ prompt: 'x', response_format: 'b64_json' }));
    expect(b64).toMatchObject({ status: 400, error: { param: 'response_format' } });
    expect(b64.error.message).toMatch(/signed URLs/);
    const transparent = await refusal(await submit({ prompt: 'x', background: 'transparent' }));
    expect(transparent).toMatchObject({ status: 400, error: { param: 'background' } });
  });

  it('null optional fields are taken as left out (OpenAI clients send them)', async () => {
    const accepted = await submit({
      prompt: 'x',
      size: '64x64',
      model: null,
      user: null,
      n: null,
      response_format: null,
      webhook: null,
    });
    expect(accepted.status).toBe(202);
    const job = (await accepted.json()) as { id: string; status: string };
    expect(job.id).toMatch(/^job_/);
  });
});
