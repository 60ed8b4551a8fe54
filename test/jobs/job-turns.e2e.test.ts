import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import type { JobResource } from '../../shared/index.ts';
import { waitForTelemetry } from '../edge/edge-stack.ts';
import {
  asJob,
  isTerminal,
  type JobStack,
  jobsClient,
  otherTenantKey,
  quickJob,
  startJobStack,
  submitJob,
  waitForJob,
} from './job-stack.ts';

// A backlog of jobs is dispatched in the waiting room's fair order, not the queue's arrival order:
// paid before free, and a tenant's burst does not hold another tenant of the tier behind it. One
// single-slot pool runs every job (both tenants are pinned to its provider), so the order its
// engine was handed the samples is the order the edge dispatched them.

let stack: LocalStack;
let engines: JobStack['engines'];

beforeAll(async () => {
  ({ stack, engines } = await startJobStack());
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** A tenant pinned to pool-a, with limits that stop none of the test's jobs. */
async function pinnedTenant(id: string, tier: 'free' | 'paid') {
  const key = await otherTenantKey(stack, id, ['provider-a'], tier);
  const limits = await fetch(`${stack.edgeUrl}/v1/admin/tenants/${id}/limits`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      requests_per_minute: 1_000,
      images_per_minute: 1_000,
      concurrent_generations: 100,
    }),
  });
  expect(limits.status).toBe(200);
  return jobsClient(stack, key);
}

/** How long a count must stay the same to be taken as settled. */
const SETTLED_FOR_MS = 1_500;
/** A bound for settling, not an estimate of how long it takes. */
const SETTLE_LIMIT_MS = 30_000;

/** Resolves once `count` has answered the same for {@link SETTLED_FOR_MS}. */
async function settled(count: () => Promise<number>): Promise<void> {
  const limit = Date.now() + SETTLE_LIMIT_MS;
  let last = await count();
  let since = Date.now();
  while (Date.now() - since < SETTLED_FOR_MS) {
    if (Date.now() > limit) throw new Error('the count never settled');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await count();
    if (now !== last) [last, since] = [now, Date.now()];
  }
}

describe('jobs: a backlog is served in fair order', () => {
  it('turns: a paid job submitted after a free burst goes before the free jobs still at the edge, and says so when submitted', async () => {
    const free = await pinnedTenant('turns-free', 'free');
    const paid = await pinnedTenant('turns-paid', 'paid');
    await engines['pool-a'].pause();
    const burst: JobResource[] = [];
    for (let index = 0; index < 24; index += 1) {
      burst.push(await submitJob(free, { ...quickJob, prompt: `free-${String(index).padStart(2, '0')}` }));
    }
    // Until the pool's queue is full and the rest of the burst waits at the edge: no free job is
    // on its way to the pool when the paid one comes.
    await settled(async () => {
      const seen = await Promise.all(burst.map(async (job) => asJob((await free.get(job.id)).body)));
      return seen.filter((job) => job.pool_id !== null).length;
    });
    const late = await submitJob(paid, { ...quickJob, prompt: 'paid-late' });
    // The free jobs still at the edge (the pool's queue took what it could hold) wait behind it:
    // nothing is ahead of it in its room.
    expect(late).toMatchObject({ status: 'queued', queue_position: 0, pool_id: null });
    const atEdge: string[] = [];
    for (const [index, job] of burst.entries()) {
      const seen = asJob((await free.get(job.id)).body);
      if (seen.status === 'queued' && seen.pool_id === null) {
        atEdge.push(`free-${String(index).padStart(2, '0')}`);
        expect(seen.queue_position).toBeGreaterThan(0);
      }
    }
    expect(atEdge.length).toBeGreaterThan(0);
    await engines['pool-a'].runFreely();
    for (const job of [...burst, late]) {
      const client = job === late ? paid : free;
      expect(await waitForJob(client, job.id, isTerminal)).toMatchObject({ status: 'succeeded' });
    }
    const order = (await engines['pool-a'].state()).submitted.map((sample) => sample.prompt);
    // Each job once; the paid job before the free jobs that were still at the edge when it came.
    // (In the queue's arrival order it would come after all of them.)
    expect([...order].sort()).toEqual(
      [...burst.map((_, index) => `free-${String(index).padStart(2, '0')}`), 'paid-late'].sort(),
    );
    // A turn taken before the paid job came may already be waiting for the pool's first free
    // place (room is waited for a moment before a job is handed back), so it can go first.
    const paidAt = order.indexOf('paid-late');
    const aheadOfPaid = atEdge.filter((prompt) => order.indexOf(prompt) < paidAt);
    expect(atEdge.length).toBeGreaterThanOrEqual(5);
    expect(aheadOfPaid.length, `${aheadOfPaid.join(' ')} of ${atEdge.join(' ')}`).toBeLessThanOrEqual(2);
  });
});
