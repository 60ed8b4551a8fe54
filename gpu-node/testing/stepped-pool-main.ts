import { pino } from 'pino';
import { readGpuNodeFlags } from '../config/cli.ts';
import { parseGpuNodeConfig } from '../config/gpu-node-config.ts';
import { startPool } from '../start-pool.ts';
import { FakeBatchEngine } from './fake-batch-engine.ts';
import type { SteppedPoolCommand, SteppedPoolReply, SteppedPoolState } from './stepped-pool-protocol.ts';

// A real gpu-node process (flags, HTTP server, scheduler, signed heartbeats) whose engine is a
// FakeBatchEngine the parent test drives over the IPC channel (test/support/stepped-pool-process.ts):
// a pool that SIGSTOP and SIGKILL reach, and whose jobs are provably running or queued when the test
// acts, however fast this host computes. Started like `gpu-node/main.ts`, with the same flags.
const parsed = parseGpuNodeConfig(readGpuNodeFlags(process.argv.slice(2)));
if (!parsed.ok) {
  process.stderr.write(`${parsed.message}\n`);
  process.exit(2);
}
const { config } = parsed;
const logger = pino({ level: config.logLevel, base: { service: 'gpu-node', pool_id: config.poolId } });
const engine = new FakeBatchEngine({ slots: (config.workers ?? 1) * config.maxBatchSize });
const pool = await startPool(config, logger, async () => engine);
// The line the parent waits for, as gpu-node/main.ts logs it.
logger.info({ url: pool.url }, `gpu-node listening on ${pool.url}`);

const state = (): SteppedPoolState => ({
  submitted: engine.submitted.map(({ sampleId, prompt, steps }) => ({ sampleId, prompt, steps })),
  cancelRequests: [...engine.cancelRequests],
  runningIds: engine.runningIds,
  queued: pool.context.scheduler.load().queued,
});

async function carryOut(command: SteppedPoolCommand): Promise<void> {
  switch (command.kind) {
    case 'step':
      engine.step();
      break;
    case 'run-freely':
      engine.runFreely();
      break;
    case 'pause':
      engine.pause();
      break;
    case 'when-submitted':
      await engine.whenSubmitted(command.count);
      break;
    case 'state':
      break;
  }
  const reply: SteppedPoolReply = { id: command.id, state: state() };
  process.send?.(reply);
}

process.on('message', (message) => void carryOut(message as SteppedPoolCommand));
// The parent test is gone: so is this pool.
process.once('disconnect', () => process.exit(0));
