import { expect } from 'vitest';
import type { HeldPool } from '../../backends/conformance/conformance-fixture.ts';
import { type BackendCall, BackendCallError, type ImageBackend } from '../../backends/index.ts';
import type { GenerationRequest } from '../../shared/index.ts';
import { eventually } from '../support/pool-client.ts';

/** The {@link BackendCallError} `pending` rejects with; anything else fails the test. */
export async function failure(pending: Promise<unknown>): Promise<BackendCallError> {
  const error = await pending.then(
    () => new Error('expected the call to fail'),
    (reason: unknown) => reason,
  );
  if (!BackendCallError.isInstance(error)) throw error;
  return error;
}

/** A call builder: `defaults()` (read when called: pools start in `beforeAll`), a fresh job id, then `overrides`. */
export function callsOn(
  defaults: () => Omit<BackendCall, 'jobId'>,
): (overrides?: Partial<BackendCall>) => BackendCall {
  return (overrides = {}) => ({ ...defaults(), jobId: `test-${crypto.randomUUID()}`, ...overrides });
}

/** A fake that holds requests inside it until released (OpenAI Images, KServe). */
interface HoldingServer {
  readonly url: string;
  readonly waiting: number;
  holdNext(count: number): { release(): void };
}

/**
 * Holds `count` generations inside `server` (sent through `backend` with `call`) until release,
 * which lets them finish.
 */
export async function holdGenerations(
  backend: ImageBackend,
  server: HoldingServer,
  pool: HeldPool['pool'],
  count: number,
  call: (overrides: Partial<BackendCall>) => BackendCall,
): Promise<HeldPool> {
  const gate = server.holdNext(count);
  const held = Array.from({ length: count }, () =>
    backend
      .generate(call({ poolUrl: server.url, jobId: `held-${crypto.randomUUID()}` }))
      .catch(() => undefined),
  );
  await eventually(() => server.waiting === count);
  return {
    pool,
    async release() {
      gate.release();
      await Promise.all(held);
    },
  };
}

/**
 * Checks that concurrent calls with one job id make one provider job (`submits` counts them) and
 * get the same images, and that the same job id with another request is a retryable
 * `job_id_conflict` while the first runs (then cancelled).
 */
export async function expectJoinedAndConflicting(
  backend: ImageBackend,
  call: (overrides: Partial<BackendCall>) => BackendCall,
  submits: () => number,
  slowRequest: GenerationRequest,
): Promise<void> {
  const jobId = `test-${crypto.randomUUID()}`;
  const before = submits();
  const [first, second] = await Promise.all([
    backend.generate(call({ jobId })),
    backend.generate(call({ jobId })),
  ]);
  expect(second.response.data).toEqual(first.response.data);
  expect(submits() - before).toBe(1);
  const conflicting = call({ jobId: `conflicting-${crypto.randomUUID()}`, request: slowRequest });
  const held = failure(backend.generate(conflicting));
  const error = await failure(backend.generate({ ...conflicting, request: call({}).request }));
  expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
    409,
    'job_id_conflict',
    true,
    false,
  ]);
  await backend.cancel({ poolUrl: conflicting.poolUrl, jobId: conflicting.jobId, token: conflicting.token });
  expect((await held).code).toBe('job_canceled');
}
