import type { LimitUsage } from './admission-verdict.ts';
import { LIMIT_WINDOW_MS } from './tenant-limiter.ts';

const WINDOW_S = LIMIT_WINDOW_MS / 1000;

/**
 * `RateLimit-Policy` and `RateLimit` (IETF draft-ietf-httpapi-ratelimit-headers-10: structured-field
 * lists, one item per policy: `q` quota, `qu` its unit, `w` window seconds; `r` remaining, `t`
 * seconds until the quota is whole again). Requests are the draft's default unit. Concurrency is
 * its registered `concurrent-requests` unit, with no window and no reset time. Images have no
 * registered unit: `qu="images"` says so, rather than leave a generic client to read 2,400 images
 * as 2,400 requests.
 *
 * @example
 * rateLimitHeaders(usage);
 * // { 'ratelimit-policy': '"requests";q=600;w=60, "images";q=2400;qu="images";w=60,
 * //     "concurrency";q=32;qu="concurrent-requests"',
 * //   ratelimit: '"requests";r=599;t=1, "images";r=2399;t=1, "concurrency";r=31' }
 */
export function rateLimitHeaders(usage: LimitUsage): Record<string, string> {
  const { limits, remaining, resetMs } = usage;
  const seconds = (ms: number) => Math.ceil(ms / 1000);
  return {
    'ratelimit-policy': [
      `"requests";q=${limits.requests_per_minute};w=${WINDOW_S}`,
      `"images";q=${limits.images_per_minute};qu="images";w=${WINDOW_S}`,
      `"concurrency";q=${limits.concurrent_generations};qu="concurrent-requests"`,
    ].join(', '),
    ratelimit: [
      `"requests";r=${remaining.requests};t=${seconds(resetMs.requests)}`,
      `"images";r=${remaining.images};t=${seconds(resetMs.images)}`,
      `"concurrency";r=${remaining.concurrency}`,
    ].join(', '),
  };
}
