import { pino } from 'pino';
import { readGpuNodeFlags } from '../config/cli.ts';
import { parseGpuNodeConfig } from '../config/gpu-node-config.ts';
import { drainOnSignals } from '../drain-on-signals.ts';
import { startPool } from '../start-pool.ts';
import { FakeBatchEngine } from './fake-batch-engine.ts';
import { pacedStepTime, splitPacedDeviceFlag } from './paced-device.ts';

// A real gpu-node process (flags, HTTP server, scheduler, signed heartbeats) around a device of a
// fixed speed that does not run on this host's CPUs (`FakeBatchEngine.runPaced`): what a pool with
// an accelerator looks like to the edge, on a host without one. `bench:overload --device paced`
// starts its pools so, to tell the policy's latency from the host's CPU contention. Started like
// `gpu-node/main.ts`, with the same flags plus `--paced-step-ms FIXED+PER_MEGAPIXEL`.
const split = splitPacedDeviceFlag(process.argv.slice(2));
if ('error' in split) {
  process.stderr.write(`${split.error}\n`);
  process.exit(2);
}
const parsed = parseGpuNodeConfig(readGpuNodeFlags(split.rest));
if (!parsed.ok) {
  process.stderr.write(`${parsed.message}\n`);
  process.exit(2);
}
const { config } = parsed;
const logger = pino({ level: config.logLevel, base: { service: 'gpu-node', pool_id: config.poolId } });
const engine = new FakeBatchEngine({
  slots: (config.workers ?? 1) * config.maxBatchSize,
  stepMs: pacedStepTime(split.speed),
});
engine.runPaced();
const pool = await startPool(config, logger, async () => engine);
// The line the local stack waits for, as gpu-node/main.ts logs it.
logger.info({ url: pool.url }, `gpu-node listening on ${pool.url}`);
drainOnSignals(pool, config.drainTimeoutMs, logger);
