import { adminClient } from './admin-client.ts';
import type { LocalStack } from './local-stack.ts';

/** How often the registry is read while waiting. */
const READ_INTERVAL_MS = 100;
/** A bound for a pool that never reports (e.g. a wrong key), not an estimate of how long it takes. */
const GIVE_UP_AFTER_MS = 60_000;

/**
 * Resolves once the edge's registry holds a heartbeat from every pool received since that pool was
 * registered by this start: until then routing has no telemetry for it and turns requests away.
 * Rejects if a pool process exits first, or if a pool stays silent past {@link GIVE_UP_AFTER_MS}.
 */
export async function waitForPoolReports(stack: LocalStack): Promise<void> {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  const giveUpAt = Date.now() + GIVE_UP_AFTER_MS;
  for (;;) {
    const listed = await admin.listPools();
    const silent = stack.pools.filter((pool) => {
      const receivedAt = listed.find((entry) => entry.id === pool.id)?.telemetry_received_at ?? null;
      return receivedAt === null || receivedAt < pool.registeredAt;
    });
    if (silent.length === 0) return;
    const exited = silent.find((pool) => pool.process.exitCode !== null || pool.process.signalCode !== null);
    if (exited) throw new Error(`pool ${exited.id} exited before it reported to the edge`);
    if (Date.now() > giveUpAt) {
      throw new Error(`no heartbeat reached the edge from ${silent.map((pool) => pool.id).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READ_INTERVAL_MS));
  }
}
