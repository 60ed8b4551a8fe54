import { pino } from 'pino';
import { readGpuNodeFlags } from './config/cli.ts';
import { unreadableFiles } from './config/config-files.ts';
import { parseGpuNodeConfig } from './config/gpu-node-config.ts';
import { drainOnSignals } from './drain-on-signals.ts';
import { NoExecutionProviderError } from './engine/engine-spawn.ts';
import { startPool } from './start-pool.ts';

// Entry point: `npm run gpu-node -- --port 9001 --pool-id p1`.
const parsed = parseGpuNodeConfig(readGpuNodeFlags(process.argv.slice(2)));
if (!parsed.ok) {
  process.stderr.write(`${parsed.message}\nRun with --help for every option.\n`);
  process.exit(2);
}
const { config } = parsed;
const unreadable = unreadableFiles(config);
if (unreadable.length > 0) {
  process.stderr.write(`${unreadable.join('\n')}\n`);
  process.exit(2);
}
const logger = pino({ level: config.logLevel, base: { service: 'gpu-node', pool_id: config.poolId } });

try {
  const pool = await startPool(config, logger);
  logger.info(
    { url: pool.url, execution_provider: pool.context.provider },
    `gpu-node listening on ${pool.url}`,
  );
  drainOnSignals(pool, config.drainTimeoutMs, logger);
} catch (error) {
  if (error instanceof NoExecutionProviderError) {
    logger.fatal({ attempts: error.attempts }, error.message);
  } else {
    logger.fatal(
      { err: error },
      `gpu-node failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  logger.flush();
  process.exit(1);
}
