import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEngine, startTestPool } from '../../gpu-node/testing/test-pool.ts';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';
import { generate } from '../support/pool-client.ts';

// Open Inference Protocol conformance of gpu-node's /v2 surface, against a real process:
// https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
const edgeKey = writeKeyPair('p256', 'edge');
const strangerKey = writeKeyPair('p256', 'stranger');
let pool: GpuNodeProcess;
let token: string;
let model: string;

beforeAll(async () => {
  pool = await startGpuNode([
    '--pool-id',
    'oip',
    '--edge-public-key',
    edgeKey.publicPath,
    '--max-body-bytes',
    '4096',
    '--providers',
    'cpu',
  ]);
  token = await dispatchToken(edgeKey.privateKey, { audience: 'oip', alg: 'ES256' });
  model = `${pool.url}/v2/models/spillway-tiny`;
});
afterAll(async () => {
  await pool.kill();
});

const prompt = { name: 'prompt', datatype: 'BYTES', shape: [1], data: ['a quiet street'] };
const quick = { parameters: { size: '64x64' }, inputs: [prompt, int32('steps', 2)] };

function int32(name: string, value: number) {
  return { name, datatype: 'INT32', shape: [1], data: [value] };
}

function infer(
  url: string,
  body: unknown,
  options: { token?: string | null; rawBody?: string } = {},
): Promise<Response> {
  const bearer = options.token === undefined ? token : options.token;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
    },
    body: options.rawBody ?? JSON.stringify(body),
  });
}

/** The message of a KServe error body; fails unless the body is exactly that shape. */
async function kserveError(response: Response): Promise<string> {
  const body = (await response.json()) as Record<string, unknown>;
  expect(typeof body.error).toBe('string');
  return body.error as string;
}

describe('kserve inputs', () => {
  const steps: Array<[string, number]> = [
    ['0', 0],
    ['-1', -1],
    ['the largest INT32', 2147483647],
    ['above the model maximum', 150],
  ];
  for (const [name, value] of steps) {
    it(`kserve inputs: steps ${name} is a range error, not a datatype error`, async () => {
      const response = await infer(`${model}/infer`, { inputs: [prompt, int32('steps', value)] });
      expect(response.status).toBe(400);
      expect(await kserveError(response)).toBe('steps must be between 1 and 100');
    });
  }

  it('kserve inputs: values that are not INT32 are still a datatype error', async () => {
    for (const value of [1.5, 2147483648]) {
      const response = await infer(`${model}/infer`, { inputs: [prompt, int32('steps', value)] });
      expect([response.status, await kserveError(response)]).toEqual([
        400,
        'input steps holds values that are not INT32',
      ]);
    }
  });

  it('kserve inputs: seeds and prompts out of range name their range', async () => {
    for (const seed of [-1, 2 ** 32]) {
      const seeds = { name: 'seed', datatype: 'INT64', shape: [1], data: [seed] };
      const response = await infer(`${model}/infer`, { inputs: [prompt, seeds] });
      expect([response.status, await kserveError(response)]).toEqual([
        400,
        'seed must be between 0 and 4294967295',
      ]);
    }
    const empty = await infer(`${model}/infer`, { inputs: [{ ...prompt, data: [''] }] });
    expect([empty.status, await kserveError(empty)]).toEqual([
      400,
      'prompt must be between 1 and 4000 characters long',
    ]);
  });

  it('kserve inputs: a bad request parameter is named as the client wrote it', async () => {
    const timeout = await infer(`${model}/infer`, { ...quick, parameters: { timeout: 4e9 } });
    expect(timeout.status).toBe(400);
    expect(await kserveError(timeout)).toMatch(/^parameters\.timeout: /);
    const size = await infer(`${model}/infer`, { ...quick, parameters: { size: 'big' } });
    expect(size.status).toBe(400);
    expect(await kserveError(size)).toMatch(/^parameters\.size: /);
  });

  it('kserve inputs: any string is a valid request id, echoed back', async () => {
    const id = 'request #1 (retry)';
    const response = await infer(`${model}/infer`, { ...quick, id, outputs: [{ name: 'image_seed' }] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe(id);
  });

  it('kserve inputs: an unknown input or requested output is 400 naming it', async () => {
    const output = await infer(`${model}/infer`, { ...quick, outputs: [{ name: 'nope' }] });
    expect(output.status).toBe(400);
    expect(await kserveError(output)).toContain('nope');
    const input = await infer(`${model}/infer`, { ...quick, inputs: [prompt, int32('stepz', 2)] });
    expect(input.status).toBe(400);
    expect(await kserveError(input)).toContain('stepz');
  });
});

describe('kserve versions', () => {
  it('kserve versions: the advertised version serves metadata, readiness and inference', async () => {
    const plain = (await (await fetch(model)).json()) as { versions: string[] };
    expect(plain.versions).toEqual(['1']);
    const versioned = await fetch(`${model}/versions/1`);
    expect(versioned.status).toBe(200);
    expect(await versioned.json()).toEqual(plain);
    expect((await fetch(`${model}/versions/1/ready`)).status).toBe(200);
    const response = await infer(`${model}/versions/1/infer`, {
      ...quick,
      outputs: [{ name: 'image_seed' }],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model_name: 'spillway-tiny', model_version: '1' });
  });

  it('kserve versions: versioned inference needs the dispatch token too', async () => {
    const response = await infer(`${model}/versions/1/infer`, quick, { token: null });
    expect(response.status).toBe(401);
  });

  it('kserve versions: an unknown version is 404 in the KServe shape', async () => {
    for (const response of [
      await fetch(`${model}/versions/2`),
      await fetch(`${model}/versions/2/ready`),
      await infer(`${model}/versions/2/infer`, quick),
    ]) {
      expect(response.status).toBe(404);
      expect(await kserveError(response)).toContain('version 2');
    }
  });
});

describe('kserve errors', () => {
  it('kserve errors: a missing or refused token is 401 in the KServe shape, with its challenge', async () => {
    const stranger = await dispatchToken(strangerKey.privateKey, { audience: 'oip', alg: 'ES256' });
    for (const bearer of [null, stranger]) {
      const response = await infer(`${model}/infer`, quick, { token: bearer });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(await kserveError(response)).toMatch(/bearer token/);
    }
  });

  it('kserve errors: unknown routes, oversized and malformed bodies answer in the KServe shape', async () => {
    const route = await fetch(`${pool.url}/v2/nothing-here`);
    expect([route.status, await kserveError(route)]).toEqual([404, 'no route for GET /v2/nothing-here']);
    const large = await infer(`${model}/infer`, { ...quick, id: 'x'.repeat(5000) });
    expect(large.status).toBe(413);
    expect(await kserveError(large)).toContain('4096 bytes');
    const json = await infer(`${model}/infer`, null, { rawBody: '{"inputs":' });
    expect([json.status, await kserveError(json)]).toEqual([400, 'the request body is not valid JSON']);
    const shape = await infer(`${model}/infer`, { inputs: 'prompt' });
    expect(shape.status).toBe(400);
    expect(await kserveError(shape)).toMatch(/^inputs: /);
  });

  it('kserve errors: the OpenAI routes keep their envelope', async () => {
    const answer = await generate(pool.url, { prompt: 'x' });
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(errorEnvelopeSchema.parse(answer.error).error.code).toBe('missing_credentials');
    const route = await fetch(`${pool.url}/v1/nothing-here`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(errorEnvelopeSchema.parse(await route.json()).error.code).toBe('not_found');
  });
});

describe('kserve readiness and metadata', () => {
  it('kserve readiness: an unknown model is 404, as its metadata is', async () => {
    for (const path of ['/v2/models/nope/ready', '/v2/models/nope/versions/1/ready', '/v2/models/nope']) {
      const response = await fetch(`${pool.url}${path}`);
      expect(response.status).toBe(404);
      expect(await kserveError(response)).toContain('nope');
    }
  });

  it('kserve metadata: advertises the sizes and the steps range the model takes', async () => {
    const metadata = (await (await fetch(model)).json()) as { parameters: Record<string, unknown> };
    expect(metadata.parameters).toMatchObject({
      default_size: '256x256',
      min_steps: 1,
      max_steps: 100,
      default_steps: 30,
    });
    const sizes = String(metadata.parameters.sizes).split(',');
    expect(sizes).toContain('64x64');
    expect(sizes).toContain('1024x1024');
    for (const value of Object.values(metadata.parameters)) {
      expect(['string', 'number', 'boolean']).toContain(typeof value);
    }
  });
});

describe('kserve in a pool started in this process', () => {
  it('kserve readiness: a draining pool answers 503 for its model and still 404 for an unknown one', async () => {
    const fake = await startTestPool(startFakeEngine, { poolId: 'oip-drain', workers: 1, maxBatchSize: 1 });
    let stopped: Promise<'drained' | 'timed-out'> | undefined;
    try {
      const held = infer(`${fake.url}/v2/models/spillway-tiny/infer`, quick, { token: null });
      await fake.engine.whenSubmitted(1);
      stopped = fake.drainAndStop(60_000);
      for (const path of ['ready', 'versions/1/ready']) {
        expect((await fetch(`${fake.url}/v2/models/spillway-tiny/${path}`)).status).toBe(503);
      }
      expect((await fetch(`${fake.url}/v2/models/nope/ready`)).status).toBe(404);
      fake.engine.runUntilIdle();
      expect((await held).status).toBe(200);
      expect(await stopped).toBe('drained');
    } finally {
      if (!stopped) await fake.stop();
    }
  });

  it('kserve errors: with --protect-ops, a refused health check is 401 in the KServe shape', async () => {
    const guarded = await startTestPool(startFakeEngine, {
      poolId: 'oip-ops',
      insecureNoAuth: false,
      edgePublicKey: edgeKey.publicPath,
      protectOps: true,
    });
    try {
      const health = await fetch(`${guarded.url}/v2/health/ready`);
      expect([health.status, await kserveError(health)]).toEqual([401, 'a bearer token is required']);
      const metrics = await fetch(`${guarded.url}/metrics`);
      expect(metrics.status).toBe(401);
      expect(errorEnvelopeSchema.parse(await metrics.json()).error.code).toBe('missing_credentials');
    } finally {
      await guarded.stop();
    }
  });
});
