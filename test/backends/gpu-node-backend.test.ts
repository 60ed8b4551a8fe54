import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendConformance } from '../../backends/conformance/conformance-suite.ts';
import {
  type BackendCall,
  BackendCallError,
  createGpuNodeBackend,
  type FetchFunction,
} from '../../backends/index.ts';
import { edgeIssuer, generationRequestSchema, tokenTypes } from '../../shared/index.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';
import { closedUrl, occupy, quickRequest, slowRequest, startRateLimitedPool } from './backend-test-pools.ts';

// Two real pools for the file: a roomy one, and one with a single slot and no queue to fill.
const edgeKey = writeKeyPair('ed25519', 'edge');
const strangerKey = writeKeyPair('ed25519', 'stranger');
let roomy: GpuNodeProcess;
let tight: GpuNodeProcess;
const tokens = { roomy: '', tight: '', stranger: '', otherTenant: '' };
let nowhere = '';

beforeAll(async () => {
  const key = ['--edge-public-key', edgeKey.publicPath];
  [roomy, tight] = await Promise.all([
    startGpuNode(['--pool-id', 'b1', ...key]),
    startGpuNode([
      '--pool-id',
      'b2',
      ...key,
      '--workers',
      '1',
      '--max-batch-size',
      '1',
      '--max-queue-size',
      '0',
    ]),
  ]);
  tokens.roomy = await dispatchToken(edgeKey.privateKey, { audience: 'b1' });
  tokens.tight = await dispatchToken(edgeKey.privateKey, { audience: 'b2' });
  tokens.stranger = await dispatchToken(strangerKey.privateKey, { audience: 'b1' });
  // Signed by the edge for another tenant than `dispatchToken`'s.
  tokens.otherTenant = await new SignJWT({ scope: 'generate' })
    .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.dispatch })
    .setIssuer(edgeIssuer)
    .setAudience('b1')
    .setSubject('tenant-other')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(edgeKey.privateKey);
  nowhere = await closedUrl();
});
afterAll(async () => {
  await Promise.all([roomy?.kill(), tight?.kill()]);
});

const backend = createGpuNodeBackend();
const invalidRequest = { ...quickRequest, size: '96x96' };

runBackendConformance('gpu-node', () => ({
  backend,
  backendWith: (send) => createGpuNodeBackend({ fetch: send }),
  authorization: (token) => `Bearer ${token}`,
  pool: { url: roomy.url, token: tokens.roomy },
  request: quickRequest,
  invalidRequest,
  slowRequest,
  refusedToken: tokens.stranger,
  closedUrl: nowhere,
  saturate: () => occupy(backend, { url: tight.url, token: tokens.tight }),
  async rateLimited() {
    const standIn = await startRateLimitedPool();
    return { pool: { url: standIn.url, token: tokens.roomy }, release: () => standIn.close() };
  },
  // Every gpu-node answer, refusals included, carries the pool's load headers.
  loadSignal: 'piggyback',
  busy: () => occupy(backend, { url: tight.url, token: tokens.tight }),
}));

const call = (overrides: Partial<BackendCall> = {}): BackendCall => ({
  poolUrl: roomy.url,
  jobId: `test-${crypto.randomUUID()}`,
  request: quickRequest,
  deadlineMs: 30_000,
  token: tokens.roomy,
  ...overrides,
});
const failure = async (pending: Promise<unknown>): Promise<BackendCallError> => {
  const error = await pending.then(
    () => new Error('expected the call to fail'),
    (reason: unknown) => reason,
  );
  if (!BackendCallError.isInstance(error)) throw error;
  return error;
};

describe('gpu-node backend', () => {
  it('gpu-node: a success carries the job id, piggybacked load and the pool warnings', async () => {
    const jobId = `test-${crypto.randomUUID()}`;
    const result = await backend.generate(call({ jobId, request: { ...quickRequest, quality: 'hd' } }));
    expect(result.response.spillway?.job_id).toBe(jobId);
    expect(result.response.spillway?.pool_id).toBe('b1');
    expect(result.load).toMatchObject({ draining: false });
    expect(result.load?.slots).toBeGreaterThanOrEqual(1);
    expect(result.warnings).toEqual([expect.stringContaining('quality')]);
  });

  it('gpu-node: sends b64_json, the remaining budget as deadline_ms and the job id, not the user', async () => {
    const sent: unknown[] = [];
    const recording: FetchFunction = (url, init) => {
      sent.push(JSON.parse(String(init.body)));
      return fetch(url, init);
    };
    const request = generationRequestSchema.parse({
      ...quickRequest,
      response_format: 'url',
      user: 'u-42',
      deadline_ms: 1,
    });
    await createGpuNodeBackend({ fetch: recording }).generate(
      call({ jobId: 'job-sent', request, deadlineMs: 9_000.4 }),
    );
    expect(sent).toEqual([
      expect.objectContaining({ response_format: 'b64_json', deadline_ms: 9_001, job_id: 'job-sent' }),
    ]);
    expect(sent[0]).not.toHaveProperty('user');
  });

  it('gpu-node: a job id another tenant holds is a retryable 409 job_id_conflict, and its cancel touches nothing', async () => {
    const jobId = `test-${crypto.randomUUID()}`;
    const owned = await backend.generate(call({ jobId }));
    const error = await failure(backend.generate(call({ jobId, token: tokens.otherTenant })));
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      409,
      'job_id_conflict',
      true,
      false,
    ]);
    await backend.cancel({ poolUrl: roomy.url, jobId, token: tokens.otherTenant });
    expect((await backend.generate(call({ jobId }))).response.data).toEqual(owned.response.data);
  });

  it('gpu-node: every call hands the injected fetch redirect: manual', async () => {
    const modes: Array<RequestInit['redirect']> = [];
    const recording: FetchFunction = (url, init) => {
      modes.push(init.redirect);
      return fetch(url, init);
    };
    const adapter = createGpuNodeBackend({ fetch: recording });
    await adapter.generate(call());
    await adapter.generate(call({ onProgress: () => undefined }));
    await adapter.cancel({ poolUrl: roomy.url, jobId: 'never-seen', token: tokens.roomy });
    expect(modes).toEqual(['manual', 'manual', 'manual']);
  });

  it('gpu-node: a 400 keeps the envelope and load, and is not retryable', async () => {
    const error = await failure(backend.generate(call({ request: invalidRequest })));
    expect([error.status, error.code, error.envelope?.error.param, error.retryable]).toEqual([
      400,
      'unsupported_value',
      'size',
      false,
    ]);
    expect(error.load).not.toBeNull();
  });

  it('gpu-node: a token the pool refuses is 401 invalid_credentials, retryable, nothing started', async () => {
    const error = await failure(backend.generate(call({ token: tokens.tight })));
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      401,
      'invalid_credentials',
      true,
      false,
    ]);
  });

  it('gpu-node: a full pool is 503 queue_full with Retry-After and its load', async () => {
    const occupied = await occupy(backend, { url: tight.url, token: tokens.tight });
    try {
      const error = await failure(backend.generate(call({ poolUrl: tight.url, token: tokens.tight })));
      expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
        503,
        'queue_full',
        true,
        false,
      ]);
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(error.load).toMatchObject({ running: 1, slots: 1 });
    } finally {
      await occupied.release();
    }
  });

  it('gpu-node: requestTimeoutMs gives up early but leaves the call retryable', async () => {
    const capped = createGpuNodeBackend({ requestTimeoutMs: 200 });
    const error = await failure(capped.generate(call({ request: slowRequest })));
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      null,
      'upstream_failed',
      true,
      true,
    ]);
  });

  it('gpu-node: no budget left sends nothing', async () => {
    const sent: string[] = [];
    const counting: FetchFunction = (url, init) => {
      sent.push(url);
      return fetch(url, init);
    };
    const error = await failure(createGpuNodeBackend({ fetch: counting }).generate(call({ deadlineMs: 0 })));
    expect([error.code, error.workStarted, sent]).toEqual(['deadline_exceeded', false, []]);
  });

  it('gpu-node: a 200 that is not a generation response is a retryable upstream failure', async () => {
    const broken: FetchFunction = async () => Response.json({ created: 1, data: [] });
    const error = await failure(createGpuNodeBackend({ fetch: broken }).generate(call()));
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      200,
      'upstream_failed',
      true,
      true,
    ]);
  });

  it('gpu-node: a proxy error page without an envelope is a retryable upstream failure', async () => {
    const proxy: FetchFunction = async () =>
      new Response('<html>bad gateway</html>', { status: 502, headers: { 'retry-after': '3' } });
    const error = await failure(createGpuNodeBackend({ fetch: proxy }).generate(call()));
    expect([error.status, error.code, error.envelope, error.retryable, error.retryAfterSeconds]).toEqual([
      502,
      'upstream_failed',
      null,
      true,
      3,
    ]);
  });
});
