import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTestEdgeKeys } from '../../gpu-node/testing/test-edge-keys.ts';
import {
  freshFakeEnginePoolPerTest,
  startFakeEngine,
  startTestPool,
} from '../../gpu-node/testing/test-pool.ts';
import type { ErrorEnvelope } from '../../shared/index.ts';
import {
  eventually,
  expectError,
  expectSuccess,
  generate,
  type PoolAnswer,
  parseAnswer,
} from '../support/pool-client.ts';

// Issue 12: a pool job belongs to the tenant (`sub`) whose dispatch token submitted it. The real
// gpu-node server with auth on, on 127.0.0.1, around a fake engine that steps only when told to,
// so every job is provably queued, running or done when another tenant reaches for it.
const poolId = 'tenancy';
const edge = await createTestEdgeKeys();
const currentPool = freshFakeEnginePoolPerTest({
  poolId,
  insecureNoAuth: false,
  edgePublicKey: edge.publicKeyPath,
  workers: 1,
  maxBatchSize: 1,
  maxQueueSize: 8,
});
const tokenOf = (tenant: string) => edge.dispatchToken({ audience: poolId, subject: tenant });

const quick = { size: '64x64', steps: 2 } as const;

/** What an error answer says, without its request id (which differs on every call). */
const said = (answer: PoolAnswer) => {
  const { status, error } = expectError(answer);
  return { status, error };
};
const conflict = {
  status: 409,
  error: {
    type: 'conflict_error',
    code: 'job_id_conflict',
    message: expect.any(String),
    param: 'job_id',
  } satisfies Record<keyof ErrorEnvelope['error'], unknown>,
};

async function jobCall(method: 'GET' | 'DELETE', jobId: string, token: string) {
  const response = await fetch(`${currentPool().url}/v1/jobs/${encodeURIComponent(jobId)}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const withoutRequestId = ({ status, body }: { status: number; body: Record<string, unknown> }) => ({
  status,
  body: { ...body, request_id: undefined },
});

/** POSTs with `Accept: text/event-stream`; the answer is an error before any event is sent. */
async function streamed(body: object, token: string): Promise<PoolAnswer> {
  const response = await fetch(`${currentPool().url}/v1/generate`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
  });
  return parseAnswer(response);
}

describe('gpu-node job ownership', () => {
  it("ownership: another tenant presenting a job id gets 409 job_id_conflict, never the owner's images", async () => {
    const pool = currentPool();
    const [alice, bob] = await Promise.all([tokenOf('tenant-a'), tokenOf('tenant-b')]);
    const done = { prompt: "alice's secret prompt", seed: 11, ...quick, job_id: 'job-done' };
    const ownedDone = generate(pool.url, done, { token: alice });
    await pool.engine.whenSubmitted(1);
    pool.engine.runUntilIdle();
    const image = expectSuccess(await ownedDone).data[0]?.b64_json;
    const afterwards = said(await generate(pool.url, done, { token: bob }));
    const otherBody = said(await generate(pool.url, { ...done, prompt: 'a guess' }, { token: bob }));

    const running = { prompt: 'still running', seed: 12, ...quick, job_id: 'job-running' };
    const ownedRunning = generate(pool.url, running, { token: alice });
    await pool.engine.whenSubmitted(2);
    const whileRunning = said(await generate(pool.url, running, { token: bob }));
    const whileStreamed = said(await streamed(running, bob));
    pool.engine.runUntilIdle();
    expectSuccess(await ownedRunning);

    expect(afterwards).toEqual(conflict);
    // One answer whatever the job's state and whether bob guessed the body: nothing to learn.
    for (const answer of [otherBody, whileRunning, whileStreamed]) expect(answer).toEqual(afterwards);
    expect(pool.engine.submitted).toHaveLength(2);
    // The owner still gets its job back by id.
    expect(expectSuccess(await generate(pool.url, done, { token: alice })).data[0]?.b64_json).toBe(image);
  });

  it('ownership: another tenant cannot read or cancel a job: 404 as for an id never seen', async () => {
    const pool = currentPool();
    const [alice, bob] = await Promise.all([tokenOf('tenant-a'), tokenOf('tenant-b')]);
    const owned = generate(
      pool.url,
      { prompt: 'keep running', seed: 1, ...quick, job_id: 'job-a' },
      { token: alice },
    );
    await pool.engine.whenSubmitted(1);

    const neverSeen = withoutRequestId(await jobCall('GET', 'job-never-seen', bob));
    expect(neverSeen).toMatchObject({ status: 404, body: { error: { code: 'job_not_found' } } });
    expect(withoutRequestId(await jobCall('GET', 'job-a', bob))).toEqual(neverSeen);
    expect(withoutRequestId(await jobCall('DELETE', 'job-a', bob))).toEqual(
      withoutRequestId(await jobCall('DELETE', 'job-never-seen', bob)),
    );
    expect(withoutRequestId(await jobCall('DELETE', 'job-a', bob)).status).toBe(404);

    expect(pool.engine.cancelRequests).toEqual([]);
    expect(await jobCall('GET', 'job-a', alice)).toMatchObject({ status: 200, body: { status: 'running' } });
    pool.engine.runUntilIdle();
    expectSuccess(await owned);
    expect(withoutRequestId(await jobCall('GET', 'job-a', bob))).toEqual(neverSeen);
  });

  it("ownership: the owner's cancel still stops its job", async () => {
    const pool = currentPool();
    const alice = await tokenOf('tenant-a');
    const owned = generate(
      pool.url,
      { prompt: 'stop me', seed: 2, ...quick, job_id: 'job-c' },
      { token: alice },
    );
    await pool.engine.whenSubmitted(1);
    expect(await jobCall('DELETE', 'job-c', alice)).toEqual({
      status: 200,
      body: { id: 'job-c', status: 'canceled' },
    });
    expect(said(await owned)).toMatchObject({ status: 409, error: { code: 'job_canceled' } });
  });

  it("ownership: a KServe request id another tenant used does not hand over that tenant's tensors", async () => {
    const pool = currentPool();
    const [alice, bob] = await Promise.all([tokenOf('tenant-a'), tokenOf('tenant-b')]);
    const infer = (token: string) =>
      fetch(`${pool.url}/v2/models/spillway-tiny/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          id: 'infer-shared',
          parameters: { size: '64x64' },
          inputs: [
            { name: 'prompt', shape: [1], datatype: 'BYTES', data: ["alice's prompt"] },
            { name: 'seed', shape: [1], datatype: 'INT64', data: [5] },
            { name: 'steps', shape: [1], datatype: 'INT32', data: [2] },
          ],
          outputs: [{ name: 'png_base64' }],
        }),
      });
    const owned = infer(alice);
    await pool.engine.whenSubmitted(1);
    pool.engine.runUntilIdle();
    expect((await owned).status).toBe(200);
    const stolen = await infer(bob);
    expect([stolen.status, Object.keys((await stolen.json()) as object).sort()]).toEqual([
      409,
      ['error', 'request_id'],
    ]);
    expect(pool.engine.submitted).toHaveLength(1);
  });

  it("ownership: whatever the job's state, tenants and body, a stranger's answers equal those for a taken or unseen id", async () => {
    const pool = currentPool();
    const tenant = fc.string({ minLength: 1, maxLength: 40 });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('queued', 'running', 'succeeded', 'failed', 'canceled'),
        tenant,
        tenant,
        fc.stringMatching(/^[A-Za-z0-9_.:-]{1,32}$/),
        fc.boolean(),
        async (state, holder, stranger, id, sameBody) => {
          fc.pre(holder !== stranger);
          run += 1;
          const jobId = `r${run}-${id}`;
          const [holderToken, strangerToken] = await Promise.all([tokenOf(holder), tokenOf(stranger)]);
          const before = pool.engine.submitted.length;
          const ahead =
            state === 'queued'
              ? generate(pool.url, { prompt: 'ahead', seed: 1, ...quick }, { token: holderToken })
              : null;
          if (ahead) await pool.engine.whenSubmitted(before + 1);
          const request = { prompt: `prompt ${run}`, seed: run, ...quick, job_id: jobId };
          const owned = generate(pool.url, request, { token: holderToken });
          if (state === 'queued') await eventually(() => pool.scheduler.load().queued === 1);
          else await pool.engine.whenSubmitted(before + 1);
          if (state === 'succeeded') pool.engine.runUntilIdle();
          if (state === 'failed') pool.engine.fail(pool.engine.runningIds[0] ?? '', 'inference broke');
          if (state === 'canceled') await jobCall('DELETE', jobId, holderToken);
          if (state === 'succeeded' || state === 'failed' || state === 'canceled') await owned;
          try {
            const seen = await jobCall('GET', jobId, holderToken);
            const submittedBefore = pool.engine.submitted.length;
            const cancelsBefore = pool.engine.cancelRequests.length;

            for (const method of ['GET', 'DELETE'] as const) {
              expect(withoutRequestId(await jobCall(method, jobId, strangerToken))).toEqual(
                withoutRequestId(await jobCall(method, `unseen-${jobId}`, strangerToken)),
              );
            }
            const body = sameBody ? request : { ...request, prompt: 'a guess' };
            expect(said(await generate(pool.url, body, { token: strangerToken }))).toEqual(conflict);
            expect(said(await streamed(body, strangerToken))).toEqual(conflict);

            expect([pool.engine.submitted.length, pool.engine.cancelRequests.length]).toEqual([
              submittedBefore,
              cancelsBefore,
            ]);
            expect(await jobCall('GET', jobId, holderToken)).toEqual(seen);
          } finally {
            // Settle whatever this run started, so the next run finds an idle pool.
            pool.engine.runUntilIdle();
            await Promise.all([owned, ahead]);
          }
          expect(pool.scheduler.load()).toMatchObject({ queued: 0, running: 0 });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('ownership: without auth every caller is one owner, so a repeated job id still joins', async () => {
    const pool = await startTestPool(startFakeEngine, { poolId: 'open', workers: 1, maxBatchSize: 1 });
    try {
      const request = { prompt: 'shared', seed: 3, ...quick, job_id: 'job-open' };
      const first = generate(pool.url, request);
      await pool.engine.whenSubmitted(1);
      // Joins while running or once done, whichever the host's speed makes it: the same job.
      const second = generate(pool.url, request);
      pool.engine.runUntilIdle();
      const [one, two] = await Promise.all([first, second]);
      expect(expectSuccess(two).data).toEqual(expectSuccess(one).data);
      expect(pool.engine.submitted).toHaveLength(1);
    } finally {
      await pool.stop();
    }
  });
});
