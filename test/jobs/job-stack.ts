import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubmittedSample } from '../../gpu-node/testing/stepped-pool-protocol.ts';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack/local-stack.ts';
import { type JobResource, jobResourceSchema, type Tier } from '../../shared/index.ts';
import {
  poolOf,
  TEST_HEARTBEAT_INTERVAL_MS,
  TEST_TELEMETRY_TTL_MS,
  type TestPoolId,
} from '../edge/edge-stack.ts';
import { dispatchToken } from '../support/keys.ts';
import { generate, type PoolAnswer } from '../support/pool-client.ts';
import { type SteppedPool, samplesOf, steppedPoolProcess } from '../support/stepped-pool-process.ts';

/** How often a job is read while a test waits for it. */
const JOB_POLL_MS = 100;
/** A bound for a job that never gets there, not an estimate of how long it takes. */
const JOB_WAIT_LIMIT_MS = 60_000;
/** How long a test looks for the step it just made before it makes another (see {@link stepUntil}). */
const LOOK_FOR_STEP_MS = 100;
/** How often it looks meanwhile. */
const LOOK_AGAIN_MS = 25;
/**
 * Steps of a job the test steps: far more than it takes for the edge to show a second step
 * (see {@link stepUntil}), so the job cannot end first.
 */
const STEPPED_JOB_STEPS = 40;

/** The local stack of the job tests, and the engine of each pool. */
export interface JobStack {
  readonly stack: LocalStack;
  /** Each pool's engine, stepped by the test; it runs freely (work completes) unless paused. */
  readonly engines: Readonly<Record<TestPoolId, SteppedPool>>;
}

/**
 * Starts the local stack for job tests: the edge in workerd with storage persisted to a temporary
 * folder (so it survives `restartEdge`), two single-slot pools, fast heartbeats, and the job
 * timings the tests ask for. Each pool is a real gpu-node process (SIGKILL reaches it) around a
 * fake engine the test steps, so a job is running or waiting exactly as long as the test says.
 */
export async function startJobStack(edgeVars: Record<string, string> = {}): Promise<JobStack> {
  const folder = mkdtempSync(join(tmpdir(), 'spillway-jobs-'));
  const flags = ['--workers', '1', '--max-batch-size', '1'];
  const engines = { 'pool-a': steppedPoolProcess(), 'pool-b': steppedPoolProcess() };
  const stack = await startLocalStack({
    stateFolder: folder,
    devVarsPath: join(folder, '.dev.vars'),
    edgePort: 0,
    persistFolder: join(folder, 'edge-state'),
    heartbeatIntervalMs: TEST_HEARTBEAT_INTERVAL_MS,
    telemetryTtlMs: TEST_TELEMETRY_TTL_MS,
    edgeVars,
    pools: [
      {
        id: 'pool-a',
        provider: 'provider-a',
        region: 'local',
        extraFlags: flags,
        startPool: engines['pool-a'].start,
      },
      {
        id: 'pool-b',
        provider: 'provider-b',
        region: 'local',
        extraFlags: flags,
        startPool: engines['pool-b'].start,
      },
    ],
  });
  return { stack, engines };
}

/**
 * Another tenant with its own API key. With `allowedProviders` its jobs run only on those
 * providers' pools: pinned to one pool, a job has no second candidate to be hedged or failed
 * over to, so it stays where the test watches it.
 */
export async function otherTenantKey(
  stack: LocalStack,
  id = 'other',
  allowedProviders: readonly string[] = [],
  tier: Tier = 'paid',
): Promise<string> {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  await admin.putTenant({ id, name: `Tenant ${id}`, tier, allowed_providers: [...allowedProviders] });
  return (await admin.mintKey(id)).key;
}

/** A small client for the jobs API with one tenant's key. */
export function jobsClient(stack: LocalStack, key = stack.apiKey) {
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });
  const read = async (response: Response) => ({
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  });
  return {
    submit: async (body: object, extra: Record<string, string> = {}) =>
      read(
        await fetch(`${stack.edgeUrl}/v1/jobs`, {
          method: 'POST',
          headers: headers({ 'content-type': 'application/json', ...extra }),
          body: JSON.stringify(body),
        }),
      ),
    get: async (id: string, extra: Record<string, string> = {}) =>
      read(await fetch(`${stack.edgeUrl}/v1/jobs/${id}`, { headers: headers(extra) })),
    cancel: async (id: string) =>
      read(await fetch(`${stack.edgeUrl}/v1/jobs/${id}`, { method: 'DELETE', headers: headers() })),
    events: (id: string, extra: Record<string, string> = {}) =>
      fetch(`${stack.edgeUrl}/v1/jobs/${id}/events`, {
        headers: headers({ accept: 'text/event-stream', ...extra }),
      }),
    webhookSecret: async () =>
      read(await fetch(`${stack.edgeUrl}/v1/webhooks/secret`, { headers: headers() })),
  };
}

/** The jobs API client of one tenant. */
export type JobsClient = ReturnType<typeof jobsClient>;

/** Parses a body as a JobResource (throws on a contract violation). */
export function asJob(body: unknown): JobResource {
  return jobResourceSchema.parse(body);
}

/** Submits a job and returns it as the edge accepted it. */
export async function submitJob(client: JobsClient, body: object): Promise<JobResource> {
  const answer = await client.submit(body);
  if (answer.status !== 202)
    throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return asJob(answer.body);
}

/** Reads the job until `done` says so, or throws after {@link JOB_WAIT_LIMIT_MS}. */
export async function waitForJob(
  client: JobsClient,
  id: string,
  done: (job: JobResource) => boolean,
  timeoutMs = JOB_WAIT_LIMIT_MS,
): Promise<JobResource> {
  const deadline = Date.now() + timeoutMs;
  let last: JobResource | null = null;
  while (Date.now() < deadline) {
    const answer = await client.get(id);
    if (answer.status === 200) {
      last = asJob(answer.body);
      if (done(last)) return last;
    }
    await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
  }
  throw new Error(`job ${id} never reached the expected state; last seen ${JSON.stringify(last)}`);
}

/** True once a job is succeeded, failed or canceled. */
export function isTerminal(job: JobResource): boolean {
  return ['succeeded', 'failed', 'canceled'].includes(job.status);
}

/** Resolves with the first sample of the job with `prompt` once `engine` was handed it. */
export async function whenOnEngine(engine: SteppedPool, prompt: string): Promise<SubmittedSample> {
  for (;;) {
    const state = await engine.state();
    const [sample] = samplesOf(state, prompt);
    if (sample) return sample;
    await engine.whenSubmitted(state.submitted.length + 1);
  }
}

/**
 * Steps `engine` one step at a time until `shown` holds. The edge passes a pool's steps on to the
 * job at most every so often and drops the ones in between (worker/jobs/progress-throttle.ts), so
 * no single step is sure to show: each step is a fresh chance, taken until one shows. Throws if the
 * engine's batch empties first.
 */
export async function stepUntil(engine: SteppedPool, shown: () => boolean | Promise<boolean>): Promise<void> {
  for (;;) {
    const state = await engine.step();
    const lookUntil = Date.now() + LOOK_FOR_STEP_MS;
    do {
      if (await shown()) return;
      await new Promise((resolve) => setTimeout(resolve, LOOK_AGAIN_MS));
    } while (Date.now() < lookUntil);
    if (state.runningIds.length === 0) throw new Error('the batch emptied before the edge showed the step');
  }
}

/**
 * Sends one job per prompt straight to a pool with the edge's dispatch token, bypassing the edge's
 * job queue: that queue hands its consumer one batch at a time locally, so a job the test keeps
 * waiting on a pool would hold back every job submitted after it. Resolves once they were sent.
 */
export async function sendToPool(
  stack: LocalStack,
  poolId: TestPoolId,
  prompts: readonly string[],
): Promise<Array<Promise<PoolAnswer>>> {
  const token = await dispatchToken(stack.edgePrivateKey, { audience: poolId });
  const { url } = poolOf(stack, poolId);
  return prompts.map((prompt) => generate(url, steppedJob(prompt), { token }));
}

/** A job body the fake engines run in `steps` steps; its prompt names it in the pools' records. */
export function steppedJob(prompt: string, steps = STEPPED_JOB_STEPS) {
  return { prompt, size: '64x64', steps } as const;
}

/** A generation a freely running engine finishes at once. */
export const quickJob = { prompt: 'a red fox', size: '64x64', steps: 2 } as const;
