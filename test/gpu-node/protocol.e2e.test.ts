import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, telemetryReportSchema } from '../../shared/index.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';
import { expectError, expectSuccess, generate, metrics, metricValue } from '../support/pool-client.ts';

const edgeKey = writeKeyPair('p256', 'edge');
const strangerKey = writeKeyPair('p256', 'stranger');
let pool: GpuNodeProcess;
let token: string;

beforeAll(async () => {
  pool = await startGpuNode([
    '--pool-id',
    'proto',
    '--edge-public-key',
    edgeKey.publicPath,
    '--max-body-bytes',
    '4096',
    '--providers',
    'cpu',
  ]);
  token = await dispatchToken(edgeKey.privateKey, { audience: 'proto', alg: 'ES256' });
});
afterAll(async () => {
  await pool.kill();
});

const valid = { prompt: 'a quiet street', seed: 1, size: '64x64', steps: 2 };
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('gpu-node auth', () => {
  const cases: Array<[string, () => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    [
      'a token signed by another key',
      () => dispatchToken(strangerKey.privateKey, { audience: 'proto', alg: 'ES256' }),
    ],
    [
      'an expired token',
      () => dispatchToken(edgeKey.privateKey, { audience: 'proto', alg: 'ES256', expiresIn: '-1m' }),
    ],
    [
      'a token for another pool',
      () => dispatchToken(edgeKey.privateKey, { audience: 'other-pool', alg: 'ES256' }),
    ],
    [
      'a token from another issuer',
      () => dispatchToken(edgeKey.privateKey, { audience: 'proto', alg: 'ES256', issuer: 'evil' }),
    ],
    [
      'a token of another type',
      () => dispatchToken(edgeKey.privateKey, { audience: 'proto', alg: 'ES256', typ: 'JWT' }),
    ],
    [
      'an unsigned alg:none token',
      async () =>
        `${base64url({ alg: 'none', typ: 'spillway-dispatch+jwt' })}.${base64url({ iss: 'spillway-edge', aud: 'proto', sub: 't', scope: 'generate', iat: 1, exp: 9999999999 })}.`,
    ],
  ];
  for (const [name, makeToken] of cases) {
    it(`auth: refuses ${name} with 401 and the error envelope`, async () => {
      const error = expectError(await generate(pool.url, valid, { token: await makeToken() }));
      expect(error.status).toBe(401);
      expect(error.error.type).toBe('authentication_error');
      expect(error.headers.get('www-authenticate')).toContain('Bearer');
    });
  }

  it('auth: health and metrics stay open without a token, inference does not', async () => {
    expect((await fetch(`${pool.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${pool.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${pool.url}/v1/telemetry`)).status).toBe(401);
    const infer = await fetch(`${pool.url}/v2/models/spillway-tiny/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['free lunch'] }],
      }),
    });
    expect(infer.status).toBe(401);
  });
});

describe('gpu-node bad input', () => {
  const badBodies: Array<[string, string, number, string, string | null]> = [
    ['invalid JSON', '{"prompt":', 400, 'invalid_json', null],
    ['a wrong type', JSON.stringify({ prompt: 42 }), 400, 'invalid_request', 'prompt'],
    ['n out of range', JSON.stringify({ ...valid, n: 11 }), 400, 'invalid_request', 'n'],
    ['steps out of range', JSON.stringify({ ...valid, steps: 0 }), 400, 'invalid_request', 'steps'],
    [
      'steps above the model maximum',
      JSON.stringify({ ...valid, steps: 150 }),
      400,
      'unsupported_value',
      'steps',
    ],
    ['a malformed size', JSON.stringify({ ...valid, size: 'big' }), 400, 'invalid_request', 'size'],
    ['an unsupported size', JSON.stringify({ ...valid, size: '100x100' }), 400, 'unsupported_value', 'size'],
    ['an unknown model', JSON.stringify({ ...valid, model: 'dall-e-9' }), 404, 'model_not_found', 'model'],
    [
      'an oversized body',
      JSON.stringify({ ...valid, prompt: 'x'.repeat(5000) }),
      413,
      'payload_too_large',
      null,
    ],
    ['a bad job id', JSON.stringify({ ...valid, job_id: 'has spaces' }), 400, 'invalid_request', 'job_id'],
  ];
  for (const [name, rawBody, status, code, param] of badBodies) {
    it(`bad input: ${name} gets ${status} ${code}`, async () => {
      const error = expectError(await generate(pool.url, null, { token, rawBody }));
      expect([error.status, error.error.code, error.error.param]).toEqual([status, code, param]);
    });
  }

  it('bad input: a non-JSON content type gets 415', async () => {
    const error = expectError(await generate(pool.url, valid, { token, contentType: 'text/plain' }));
    expect([error.status, error.error.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('bad input: an unknown route gets 404 in the envelope', async () => {
    const response = await fetch(`${pool.url}/v1/nothing-here`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(404);
    expect(errorEnvelopeSchema.parse(await response.json()).error.code).toBe('not_found');
  });

  it('bad input: after all of the above the pool still serves and nothing was queued', async () => {
    expectSuccess(await generate(pool.url, valid, { token }));
    const families = await metrics(pool.url);
    expect(metricValue(families, 'spillway_queue_depth')).toBe(0);
    expect(metricValue(families, 'spillway_job_failures_total', { reason: 'inference_failed' })).toBe(0);
  });
});

describe('gpu-node telemetry, metrics and KServe v2', () => {
  it('telemetry: reports the shared schema with the provider it runs on', async () => {
    const response = await fetch(`${pool.url}/v1/telemetry`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const report = telemetryReportSchema.parse(await response.json());
    expect(report).toMatchObject({
      pool_id: 'proto',
      execution_provider: 'cpu',
      draining: false,
      ready: true,
    });
    expect(report.models[0]?.name).toBe('spillway-tiny');
    expect(report.slots).toBeGreaterThan(0);
  });

  it('metrics: Prometheus text parses and names queue, batch, latency, failures and provider', async () => {
    expectSuccess(await generate(pool.url, valid, { token }));
    const families = await metrics(pool.url);
    const names = families.map((family) => family.name);
    for (const name of [
      'spillway_queue_depth',
      'spillway_running_images',
      'spillway_batch_size',
      'spillway_step_duration_seconds',
      'spillway_job_duration_seconds',
      'spillway_job_failures_total',
      'spillway_execution_provider_info',
    ]) {
      expect(names).toContain(name);
    }
    expect(
      metricValue(families, 'spillway_execution_provider_info', { provider: 'cpu', pool_id: 'proto' }),
    ).toBe(1);
    expect(metricValue(families, 'spillway_job_duration_seconds')).toBeGreaterThan(0);
  });

  it('kserve: health, server and model metadata follow the Open Inference Protocol', async () => {
    expect((await fetch(`${pool.url}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${pool.url}/v2/models/spillway-tiny/ready`)).status).toBe(200);
    expect((await fetch(`${pool.url}/v2/models/unknown/ready`)).status).toBe(404);
    const server = (await (await fetch(`${pool.url}/v2`)).json()) as { name: string; extensions: unknown[] };
    expect(server.name).toBe('spillway-gpu-node');
    const model = (await (await fetch(`${pool.url}/v2/models/spillway-tiny`)).json()) as {
      name: string;
      versions: string[];
      inputs: Array<{ name: string; datatype: string; shape: number[] }>;
      outputs: Array<{ name: string; datatype: string; shape: number[] }>;
    };
    expect(model.name).toBe('spillway-tiny');
    expect(model.inputs.map((input) => [input.name, input.datatype])).toContainEqual(['prompt', 'BYTES']);
    expect(model.outputs.find((output) => output.name === 'image')?.shape).toEqual([-1, -1, -1, 3]);
    const missing = await fetch(`${pool.url}/v2/models/unknown`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain('unknown');
  });

  it('kserve: infer returns UINT8 NHWC pixels equal to the PNG of the same generation', async () => {
    const response = await fetch(`${pool.url}/v2/models/spillway-tiny/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        id: 'infer-1',
        parameters: { size: '64x64' },
        inputs: [
          { name: 'prompt', datatype: 'BYTES', shape: [2], data: ['a quiet street', 'a loud street'] },
          { name: 'seed', datatype: 'INT64', shape: [2], data: [1, 2] },
          { name: 'steps', datatype: 'INT32', shape: [1], data: [2] },
        ],
        outputs: [{ name: 'image' }, { name: 'image_seed' }],
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      model_name: string;
      id: string;
      outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }>;
    };
    expect([body.model_name, body.id]).toEqual(['spillway-tiny', 'infer-1']);
    expect(body.outputs.map((output) => output.name)).toEqual(['image', 'image_seed']);
    const image = body.outputs[0];
    expect(image?.shape).toEqual([2, 64, 64, 3]);
    expect(image?.data.length).toBe(2 * 64 * 64 * 3);
    const viaOpenAi = expectSuccess(await generate(pool.url, valid, { token }));
    const png = PNG.sync.read(Buffer.from(viaOpenAi.data[0]?.b64_json ?? '', 'base64'));
    const rgb = Array.from(png.data.filter((_, offset) => offset % 4 !== 3));
    expect(image?.data.slice(0, 64 * 64 * 3)).toEqual(rgb);
  });

  it('kserve: a malformed tensor gets 400 with a KServe error', async () => {
    const response = await fetch(`${pool.url}/v2/models/spillway-tiny/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [2], data: ['only one'] }],
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('shape');
  });
});
