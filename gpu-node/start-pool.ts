import { randomInt } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import type { ServedModel } from '../shared/index.ts';
import type { GpuNodeConfig } from './config/gpu-node-config.ts';
import type { EngineModel } from './engine/engine-protocol.ts';
import { createPoolApp } from './http/app.ts';
import { ImageTensorEncoder } from './http/image-tensor-encoder.ts';
import type { PoolContext } from './http/pool-context.ts';
import { loadModelManifest } from './model/model-manifest.ts';
import { writeTinyModel } from './model/tiny-model.ts';
import { isPipelineModel, pipelineModel } from './pipeline/pipeline-model.ts';
import { type EngineStarter, startEnginePool } from './pool-engine.ts';
import { SEED_RANGE } from './scheduler/image-seed.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { createEdgeTokenVerifier } from './security/edge-token-verifier.ts';
import { createHeartbeatSigner } from './security/heartbeat-signer.ts';
import { readSigningKey, readVerificationKey } from './security/key-material.ts';
import { GpuProbe } from './telemetry/gpu-probe.ts';
import { HeartbeatClient } from './telemetry/heartbeat-client.ts';
import { HeartbeatLog } from './telemetry/heartbeat-log.ts';
import { PoolMetrics } from './telemetry/metrics.ts';
import { buildTelemetryReport } from './telemetry/telemetry-report.ts';
import { softwareVersion } from './version.ts';

/** A running pool: its URL and how to stop it. */
export interface RunningPool {
  readonly url: string;
  readonly context: PoolContext;
  /** Refuses new work, lets running and queued jobs finish, then stops. */
  drainAndStop(timeoutMs: number): Promise<'drained' | 'timed-out'>;
  /** Stops at once. */
  stop(): Promise<void>;
}

/** After a drain, the longest wait for the last responses to reach their clients. */
const RESPONSE_FLUSH_LIMIT_MS = 5_000;

/**
 * Loads the model, starts the engine, scheduler, telemetry and HTTP server. The engine is
 * ONNX Runtime in worker threads unless `startEngine` says otherwise (test kits in
 * `gpu-node/testing/` hand in engines whose steps they control).
 */
export async function startPool(
  config: GpuNodeConfig,
  logger: Logger,
  startEngine: EngineStarter = startEnginePool,
): Promise<RunningPool> {
  const models = await resolveModels(config);
  // Started before the engine allocates: its one child process is forked from a small process
  // (GpuProbe says why a fork after the engine's warm-up costs the first steps).
  const gpuProbe = new GpuProbe();
  gpuProbe.start(config.heartbeatIntervalMs);
  const engine = await startEngine(config, models, logger).catch((error: unknown) => {
    gpuProbe.stop();
    throw error;
  });
  const servedModels: ServedModel[] = models.map((model) => ({
    name: model.name,
    sizes: [...model.sizes],
    default_size: model.default_size,
    default_steps: model.default_steps,
    max_steps: model.max_steps,
    ...(isPipelineModel(model) ? { options: ['negative_prompt', 'guidance_scale'] } : {}),
  }));
  let heartbeat: HeartbeatClient | null = null;
  let scheduler: Scheduler | undefined;
  const loadOf = () => {
    if (!scheduler) throw new Error('scheduler not started');
    return scheduler.load();
  };
  const metrics = new PoolMetrics({
    poolId: config.poolId,
    version: softwareVersion,
    provider: engine.provider,
    load: loadOf,
    gpus: () => gpuProbe.latest,
  });
  scheduler = new Scheduler({
    engine,
    maxQueuedImages: config.maxQueueSize,
    resultTtlMs: config.resultTtlMs,
    maxKeptJobs: config.maxKeptJobs,
    now: () => performance.timeOrigin + performance.now(),
    observer: {
      onStep: (batchSize, durationMs) => metrics.onStep(batchSize, durationMs),
      onJobSettled: (job) => metrics.onJobSettled(job),
      onChange: () => heartbeat?.notifyChange(),
    },
  });
  const telemetry = () =>
    buildTelemetryReport({
      poolId: config.poolId,
      version: softwareVersion,
      models: servedModels,
      provider: engine.provider,
      load: loadOf(),
      // Each engine worker steps its own batch of up to `maxBatchSize` images.
      batches: Math.max(1, Math.round(engine.slots / config.maxBatchSize)),
      stepCurve: scheduler?.stepCurve() ?? [],
      modelStepCurves: scheduler?.modelStepCurves(),
      gpus: gpuProbe.latest,
      ready: true,
      now: Date.now(),
    });
  const context: PoolContext = {
    poolId: config.poolId,
    version: softwareVersion,
    provider: engine.provider,
    manifests: new Map(models.map((model) => [model.name, model])),
    servedModels,
    defaultModel: models[0]?.name ?? '',
    scheduler,
    metrics,
    imageTensors: new ImageTensorEncoder(),
    logger,
    verifyToken: await tokenVerifier(config),
    protectOps: config.protectOps,
    maxBodyBytes: config.maxBodyBytes,
    telemetry,
    now: () => performance.timeOrigin + performance.now(),
    randomSeed: () => randomInt(0, SEED_RANGE),
  };
  if (config.insecureNoAuth) logger.warn('auth is disabled (--insecure-no-auth): any caller may submit work');

  // serve() builds an HTTP/1.1 server unless told otherwise.
  const server = serve({
    fetch: createPoolApp(context).fetch,
    port: config.port,
    hostname: config.host,
  }) as Server;
  // A port in use (or refused) ends start-up with one clear line, not an uncaught stack trace.
  await new Promise<void>((ready, fail) => {
    server.once('listening', ready);
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      fail(
        new Error(
          error.code === 'EADDRINUSE'
            ? `${where} is already in use`
            : `cannot listen on ${where}: ${error.message}`,
        ),
      );
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  if (config.edgeUrl && config.poolKey) {
    const heartbeatLog = new HeartbeatLog(logger);
    heartbeat = new HeartbeatClient({
      edgeUrl: new URL(config.edgeUrl),
      poolId: config.poolId,
      intervalMs: config.heartbeatIntervalMs,
      sign: createHeartbeatSigner(config.poolId, await readSigningKey(config.poolKey), config.poolKeyId),
      report: telemetry,
      fetch,
      onError: (error) => heartbeatLog.failed(error),
      onAccepted: () => heartbeatLog.accepted(),
    });
    heartbeat.start();
  }

  const closed = new Promise<void>((done) => server.once('close', () => done()));
  const stopAfter = async (flushLimitMs: number) => {
    gpuProbe.stop();
    await heartbeat?.stop();
    // While draining every response says `connection: close`, so the server closes as soon as
    // the last one is written; the limit only bounds clients that hold a connection open.
    if (server.listening) server.close();
    const limit = setTimeout(() => server.closeAllConnections(), flushLimitMs);
    await closed;
    clearTimeout(limit);
    await Promise.all([engine.close(), context.imageTensors.close()]);
  };
  const activeScheduler = scheduler;
  return {
    url,
    context,
    stop: () => stopAfter(0),
    async drainAndStop(timeoutMs) {
      const drained = activeScheduler.drain().then(() => 'drained' as const);
      heartbeat?.notifyChange();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timed-out'>((done) => {
        timer = setTimeout(() => done('timed-out'), timeoutMs);
      });
      const result = await Promise.race([drained, timedOut]);
      clearTimeout(timer);
      await stopAfter(result === 'drained' ? RESPONSE_FLUSH_LIMIT_MS : 0);
      return result;
    },
  };
}

async function resolveModels(config: GpuNodeConfig): Promise<EngineModel[]> {
  if (config.pipeline) {
    const models: EngineModel[] = [];
    for (const pipeline of config.pipeline) {
      const model = await pipelineModel({ pipeline, sizes: config.pipelineSizes ?? [] });
      if (models.some((other) => other.name === model.name)) {
        throw new Error(`--pipeline ${pipeline}: a second model named ${model.name}; name it NAME=DIR`);
      }
      models.push(model);
    }
    return models;
  }
  if (config.modelManifest) return [await loadModelManifest(config.modelManifest)];
  return [await writeTinyModel(join(resolve(config.modelDir), 'spillway-tiny'))];
}

async function tokenVerifier(config: GpuNodeConfig) {
  if (config.insecureNoAuth) return null;
  const key = config.edgeJwksUrl
    ? new URL(config.edgeJwksUrl)
    : config.edgePublicKey
      ? await readVerificationKey(config.edgePublicKey)
      : null;
  if (!key) throw new Error('no edge key configured');
  return createEdgeTokenVerifier({
    key,
    algorithms: config.jwtAlgorithms,
    issuer: config.edgeIssuer,
    audience: config.audience ?? config.poolId,
    clockToleranceSeconds: 5,
    maxTokenAgeSeconds: 3600,
  });
}
