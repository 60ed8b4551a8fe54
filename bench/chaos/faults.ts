import type { ChaosPool } from './chaos-pools.ts';
import type { ChaosStack } from './chaos-stack.ts';

/** A fault the bench applies, by name. */
export type FaultName =
  | 'kill-pool'
  | 'stop-pool'
  | 'continue-pool'
  | 'cut-heartbeats'
  | 'restart-pool'
  | 'restart-edge';

/** One fault, `afterMs` after the previous one's action was done (or after the load started). */
export interface ScheduledFault {
  readonly name: FaultName;
  readonly afterMs: number;
}

/** What happened when, epoch ms; `endedAt` when the fault's own action took a while. */
export interface FaultEvent {
  readonly name: FaultName;
  readonly poolId: string | null;
  readonly at: number;
  readonly endedAt: number;
}

/** Which pool each kind of fault fell on: chosen when the fault comes, see {@link runFaults}. */
export interface FaultRoles {
  killed: string | null;
  stopped: string | null;
  silenced: string | null;
}

/** A pool's recent dispatches, over this window, decide which pool a fault falls on. */
const BUSY_WINDOW_MS = 5_000;

/** How long the stopped pool stays SIGSTOPped (the issue's 10 s). */
export const STOP_FOR_MS = 10_000;
/** Load on its own before the first fault and between faults, so each one's effect shows apart. */
const SETTLE_MS = 6_000;

/**
 * The issue's sequence under steady load: SIGKILL a pool, SIGSTOP another for {@link STOP_FOR_MS}
 * then SIGCONT, cut the third's heartbeats, restart the killed one, restart the edge's workerd. Gaps count
 * from the end of the previous fault: a pool's or the edge's restart takes as long as this host
 * needs (seconds, on a busy one more), and the next fault waits for it.
 */
export const FULL_SCHEDULE: readonly ScheduledFault[] = [
  { name: 'kill-pool', afterMs: SETTLE_MS },
  { name: 'stop-pool', afterMs: SETTLE_MS },
  { name: 'continue-pool', afterMs: STOP_FOR_MS },
  { name: 'cut-heartbeats', afterMs: SETTLE_MS },
  { name: 'restart-pool', afterMs: SETTLE_MS },
  { name: 'restart-edge', afterMs: SETTLE_MS },
];
/** Load after the full sequence's last fault, long enough for the restarted edge to show it serves. */
export const FULL_TAIL_MS = 12_000;

/** The quick variant (`--quick`, and `npm test`): SIGKILL one pool only. */
export const QUICK_SCHEDULE: readonly ScheduledFault[] = [{ name: 'kill-pool', afterMs: 4_000 }];
/** The quick variant's load after the kill. */
export const QUICK_TAIL_MS = 8_000;

/**
 * Applies `schedule` to the stack from `startedAt`, returning what it did once the last is done.
 * The kill and the stop each fall on the pool the edge sent the most work to lately, of those no
 * fault took yet (routing may leave a healthy pool idle, and killing an idle pool shows nothing);
 * the heartbeats are cut on the pool left.
 */
export async function runFaults(
  chaos: ChaosStack,
  schedule: readonly ScheduledFault[],
  startedAt: number,
  log: (line: string) => void,
): Promise<{ events: FaultEvent[]; roles: FaultRoles }> {
  const events: FaultEvent[] = [];
  const roles: FaultRoles = { killed: null, stopped: null, silenced: null };
  let previousEnd = startedAt;
  for (const fault of schedule) {
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, previousEnd + fault.afterMs - Date.now())),
    );
    const at = Date.now();
    const poolId = await applyFault(chaos, fault.name, roles);
    previousEnd = Date.now();
    events.push({ name: fault.name, poolId, at, endedAt: previousEnd });
    const took = previousEnd - at > 0 ? `, took ${((previousEnd - at) / 1_000).toFixed(1)} s` : '';
    log(`${fault.name}${poolId ? ` ${poolId}` : ''} at +${((at - startedAt) / 1_000).toFixed(1)} s${took}`);
  }
  return { events, roles };
}

/** Does one fault; the pool it acted on, or null for the edge. */
async function applyFault(chaos: ChaosStack, name: FaultName, roles: FaultRoles): Promise<string | null> {
  switch (name) {
    case 'kill-pool':
      roles.killed = busiestFree(chaos, roles);
      processOf(chaos, roles.killed).kill('SIGKILL');
      return roles.killed;
    case 'stop-pool':
      roles.stopped = busiestFree(chaos, roles);
      processOf(chaos, roles.stopped).kill('SIGSTOP');
      return roles.stopped;
    case 'continue-pool':
      processOf(chaos, assigned(roles.stopped)).kill('SIGCONT');
      return roles.stopped;
    case 'cut-heartbeats':
      roles.silenced = busiestFree(chaos, roles);
      poolOf(chaos, roles.silenced).cutHeartbeats(true);
      return roles.silenced;
    case 'restart-pool': {
      const killed = assigned(roles.killed);
      await waitUntilGone(processOf(chaos, killed));
      await poolOf(chaos, killed).restart();
      return killed;
    }
    case 'restart-edge':
      await chaos.stack.restartEdge();
      return null;
  }
}

/** The pool no fault took yet that received the most dispatches lately. */
function busiestFree(chaos: ChaosStack, roles: FaultRoles): string {
  const taken = new Set([roles.killed, roles.stopped, roles.silenced]);
  const since = Date.now() - BUSY_WINDOW_MS;
  const recent = (pool: ChaosPool) =>
    pool.front().requests.filter((request) => request.method === 'POST' && request.at >= since).length;
  const free = [...chaos.pools].filter(([id]) => !taken.has(id));
  const [busiest] = free.sort(([, left], [, right]) => recent(right) - recent(left));
  if (!busiest) throw new Error('every pool already has a fault');
  return busiest[0];
}

function assigned(poolId: string | null): string {
  if (!poolId) throw new Error('the schedule undoes a fault it never applied');
  return poolId;
}

function poolOf(chaos: ChaosStack, poolId: string): ChaosPool {
  const pool = chaos.pools.get(poolId);
  if (!pool) throw new Error(`the chaos stack has no pool ${poolId}`);
  return pool;
}

function processOf(chaos: ChaosStack, poolId: string) {
  const found = chaos.stack.pools.find((candidate) => candidate.id === poolId);
  if (!found) throw new Error(`the chaos stack has no pool ${poolId}`);
  return found.process;
}

async function waitUntilGone(process: { exitCode: number | null; signalCode: string | null }): Promise<void> {
  while (process.exitCode === null && process.signalCode === null)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Undoes what a fault left behind (a stopped pool would never stop), whatever happened. */
export function undoFaults(chaos: ChaosStack): void {
  for (const pool of chaos.stack.pools) pool.process.kill('SIGCONT');
}
