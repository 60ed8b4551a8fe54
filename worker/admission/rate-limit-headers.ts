import type { LimitUsage } from './admission-verdict.ts';
import { LIMIT_WINDOW_MS } from './tenant-limiter.ts';

const WINDOW_S = LIMIT_WINDOW_MS / 1000;

/**
 * `RateLimit-Policy` and `RateLimit` (IETF draft-ietf-httpapi-ratelimit-headers: structured-field
 * lists, one item per policy: `q` quota, `w` window seconds; `r` remaining, `t` seconds until the
 * quota is whole again). Concurrency has no window: its `t` is 0.
 *
 * @example
 * rateLimitHeaders(usage);
 * // { 'ratelimit-policy': '"requests";q=600;w=60, "images";q=2400;w=60, "concurrency";q=32',
 * //   ratelimit: '"requests";r=599;t=1, "images";r=2399;t=1, "concurrency";r=31;t=0' }
 */
export function rateLimitHeaders(usage: LimitUsage): Record<string, string> {
  const { limits, remaining, resetMs } = usage;
  const seconds = (ms: number) => Math.ceil(ms / 1000);
  return {
    'ratelimit-policy': [
      `"requests";q=${limits.requests_per_minute};w=${WINDOW_S}`,
      `"images";q=${limits.images_per_minute};w=${WINDOW_S}`,
      `"concurrency";q=${limits.concurrent_generations}`,
    ].join(', '),
    ratelimit: [
      `"requests";r=${remaining.requests};t=${seconds(resetMs.requests)}`,
      `"images";r=${remaining.images};t=${seconds(resetMs.images)}`,
      `"concurrency";r=${remaining.concurrency};t=0`,
    ].join(', '),
  };
}
