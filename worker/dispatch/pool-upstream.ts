import type { PoolUpstream } from '../../backends/index.ts';
import type { PoolRecord } from '../../shared/index.ts';

/**
 * A pool's registered `upstream` settings as its adapter reads them (`PoolUpstream`); undefined
 * when it registered none (gpu-node pools, providers that take the request's model as it is).
 */
export function upstreamOf(pool: Pick<PoolRecord, 'upstream'>): PoolUpstream | undefined {
  const upstream = pool.upstream;
  if (!upstream) return undefined;
  return {
    ...(upstream.model === undefined ? {} : { model: upstream.model }),
    ...(upstream.version === undefined ? {} : { version: upstream.version }),
    ...(upstream.prompt_tensor === undefined ? {} : { promptTensor: upstream.prompt_tensor }),
    ...(upstream.image_tensor === undefined ? {} : { imageTensor: upstream.image_tensor }),
    ...(upstream.metrics_url === undefined ? {} : { metricsUrl: upstream.metrics_url }),
  };
}
