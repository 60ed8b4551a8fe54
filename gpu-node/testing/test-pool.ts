import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { type GpuNodeConfig, parseGpuNodeConfig } from '../config/gpu-node-config.ts';
import type { EngineModel } from '../engine/engine-protocol.ts';
import { type EngineStarter, type PoolEngine, startEnginePool } from '../pool-engine.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { type RunningPool, startPool } from '../start-pool.ts';
import { FakeBatchEngine } from './fake-batch-engine.ts';
import { HeldEngine } from './held-engine.ts';

/** A pool started in this process around an engine the test holds. */
export interface TestPool<Engine extends PoolEngine> extends RunningPool {
  readonly engine: Engine;
  readonly scheduler: Scheduler;
}

/** gpu-node settings by their config names, as flags or `SPILLWAY_*` variables would give them. */
export type TestPoolSettings = Partial<Record<keyof GpuNodeConfig, unknown>>;

/**
 * Starts a whole pool in this process (composition root, scheduler, HTTP server on an
 * ephemeral 127.0.0.1 port) around the engine `startEngine` makes, so a test can hold the
 * engine and still speak HTTP to the real server. Auth is off and logs are silent unless
 * `settings` say otherwise; the built-in model is written to a fresh temporary folder.
 */
export async function startTestPool<Engine extends PoolEngine>(
  startEngine: (...starter: Parameters<EngineStarter>) => Promise<Engine>,
  settings: TestPoolSettings = {},
): Promise<TestPool<Engine>> {
  const parsed = parseGpuNodeConfig({
    port: 0,
    insecureNoAuth: true,
    logLevel: 'silent',
    modelDir: await mkdtemp(join(tmpdir(), 'spillway-test-pool-')),
    ...settings,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  let engine: Engine | undefined;
  const pool = await startPool(parsed.config, pino({ level: parsed.config.logLevel }), async (...starter) => {
    engine = await startEngine(...starter);
    return engine;
  });
  if (!engine) throw new Error('the pool started without its engine');
  return { ...pool, engine, scheduler: pool.context.scheduler };
}

/** A {@link FakeBatchEngine} with the slots the settings give: workers × max batch size. */
export async function startFakeEngine(config: GpuNodeConfig): Promise<FakeBatchEngine> {
  return new FakeBatchEngine({ slots: (config.workers ?? 1) * config.maxBatchSize });
}

/** The real ONNX Runtime engine behind a {@link HeldEngine} that holds from the start. */
export async function startHeldEnginePool(
  config: GpuNodeConfig,
  models: readonly EngineModel[],
  logger: Logger,
): Promise<HeldEngine> {
  return new HeldEngine(await startEnginePool(config, models, logger));
}

/**
 * Gives every test of the calling file a fresh pool around a {@link FakeBatchEngine}, started
 * before it and stopped after it; returns the current test's pool.
 */
export function freshFakeEnginePoolPerTest(settings: TestPoolSettings): () => TestPool<FakeBatchEngine> {
  let current: TestPool<FakeBatchEngine> | undefined;
  beforeEach(async () => {
    current = await startTestPool(startFakeEngine, settings);
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('the pool exists only while a test runs');
    return current;
  };
}
