import { base64url } from 'jose';
import type { TelemetryReport } from '../../shared/index.ts';

/**
 * Builds a compact token by hand, for tokens jose refuses to produce (`alg: none`, forged
 * headers). Test support only.
 */
export function craftToken(header: object, payload: object, signature = ''): string {
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
}

/** A valid telemetry report for `poolId`. Test support only. */
export function sampleTelemetry(poolId: string): TelemetryReport {
  return {
    pool_id: poolId,
    version: '0.1.0',
    timestamp: Date.now(),
    models: [
      { name: 'sd-turbo', sizes: ['512x512'], default_size: '512x512', default_steps: 1, max_steps: 4 },
    ],
    execution_provider: 'cuda',
    slots: 4,
    running: 1,
    queued: 0,
    max_queue: 64,
    ewma_step_ms: 12,
    ewma_job_ms: 40,
    throughput_images_per_s: 20,
    gpus: null,
    draining: false,
    ready: true,
  };
}

/** Epoch seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
