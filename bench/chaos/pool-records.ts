import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';
import type { TrackedJob } from './job-tracker.ts';

/** The tenant `startLocalStack` creates: pools bind each job to it (the dispatch token's `sub`). */
const DEMO_TENANT = 'demo';
/** What the check reads of gpu-node's job record. */
const poolJobSchema = z.object({ status: z.string() });
/** Lifetime of the tokens the check signs. */
const TOKEN_TTL = '5m';

/**
 * What the pools' own records say of the succeeded jobs: for each, on how many pools it ran to
 * success (gpu-node `GET /v1/jobs/:id`, asked with a dispatch token signed as the edge signs one).
 * More than one means extra work (a hedge or a re-dispatch that both finished), never a second
 * result: the edge keeps the first. A pool killed and restarted has lost what it ran before.
 */
export async function poolRecords(stack: LocalStack, edgeKey: KeyObject, jobs: readonly TrackedJob[]) {
  const succeeded = jobs.filter((job) => job.terminal?.status === 'succeeded');
  const live = stack.pools.filter(
    (pool) => pool.process.exitCode === null && pool.process.signalCode === null,
  );
  const tokens = new Map(
    await Promise.all(live.map(async (pool) => [pool.id, await tokenFor(edgeKey, pool.id)] as const)),
  );
  const ranOn: Record<string, number> = {};
  for (const job of succeeded) {
    const holders = await Promise.all(
      live.map(async (pool) => {
        const response = await fetch(`${pool.url}/v1/jobs/${job.id}`, {
          headers: { authorization: `Bearer ${tokens.get(pool.id) ?? ''}` },
        }).catch(() => null);
        if (!response?.ok) return false;
        const record = poolJobSchema.safeParse(await response.json());
        return record.success && record.data.status === 'succeeded';
      }),
    );
    const count = String(holders.filter(Boolean).length);
    ranOn[count] = (ranOn[count] ?? 0) + 1;
  }
  return { pools_checked: live.map((pool) => pool.id), succeeded_jobs_by_pools_that_ran_them: ranOn };
}

function tokenFor(edgeKey: KeyObject, poolId: string): Promise<string> {
  return new SignJWT({ scope: 'generate' })
    .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.dispatch })
    .setIssuer(edgeIssuer)
    .setAudience(poolId)
    .setSubject(DEMO_TENANT)
    .setIssuedAt()
    .setExpirationTime(TOKEN_TTL)
    .sign(edgeKey);
}
