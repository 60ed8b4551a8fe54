import type { Logger } from 'pino';
import type { RunningPool } from './start-pool.ts';

/**
 * On SIGTERM or SIGINT (the first one only), the pool refuses new work, finishes its running and
 * queued jobs within `drainTimeoutMs`, and the process exits: 0 when it drained, 1 when the time
 * ran out.
 */
export function drainOnSignals(
  pool: Pick<RunningPool, 'drainAndStop'>,
  drainTimeoutMs: number,
  logger: Logger,
): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining: finishing running and queued jobs, refusing new ones');
    const result = await pool.drainAndStop(drainTimeoutMs);
    logger.info({ result }, 'gpu-node stopped');
    logger.flush();
    process.exit(result === 'drained' ? 0 : 1);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
