import type { Logger } from 'pino';
import type { ExecutionProvider, ServedModel, TelemetryReport } from '../../shared/index.ts';
import type { ModelOffer } from '../model/model-manifest.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { EdgeTokenVerifier } from '../security/edge-token-verifier.ts';
import type { PoolMetrics } from '../telemetry/metrics.ts';
import type { ImageTensorEncoder } from './image-tensor-encoder.ts';

/** What the HTTP layer needs from the running pool. */
export interface PoolContext {
  readonly poolId: string;
  readonly version: string;
  readonly provider: ExecutionProvider;
  readonly manifests: ReadonlyMap<string, ModelOffer>;
  readonly servedModels: readonly ServedModel[];
  readonly defaultModel: string;
  readonly scheduler: Scheduler;
  readonly metrics: PoolMetrics;
  /** Makes KServe's `image` tensor off the HTTP thread. */
  readonly imageTensors: ImageTensorEncoder;
  readonly logger: Logger;
  /** null when auth is disabled (`--insecure-no-auth`). */
  readonly verifyToken: EdgeTokenVerifier | null;
  readonly protectOps: boolean;
  readonly maxBodyBytes: number;
  readonly telemetry: () => TelemetryReport;
  readonly now: () => number;
  readonly randomSeed: () => number;
}

/** Hono environment of gpu-node's app. */
export interface PoolEnv {
  Variables: { requestId: string; tenant: string | null };
}
