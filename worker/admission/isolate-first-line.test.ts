import { describe, expect, it } from 'vitest';
import type { LimitUsage } from './admission-verdict.ts';
import { IsolateFirstLine } from './isolate-first-line.ts';

const usage: LimitUsage = {
  limits: { requests_per_minute: 3, images_per_minute: 100, concurrent_generations: 10 },
  remaining: { requests: 2, images: 99, concurrency: 9 },
  resetMs: { requests: 20_000, images: 600 },
};

describe('isolate first line', () => {
  it('first line: knows nothing of a tenant until its limiter answered once', () => {
    expect(new IsolateFirstLine().check('acme', 1, 0)).toBeNull();
  });

  it('first line: a rate refusal from the limiter holds in the isolate until its Retry-After', () => {
    const line = new IsolateFirstLine();
    line.note('acme', 1, { ...usage, ok: false, limit: 'requests', retryAfterMs: 4_000 }, 1_000);
    expect(line.check('acme', 1, 2_000)).toMatchObject({ limit: 'requests', retryAfterMs: 3_000 });
    expect(line.check('acme', 1, 5_000)).toBeNull();
    expect(line.check('other', 1, 2_000)).toBeNull();
  });

  it('first line: a concurrency refusal is not remembered (a slot may free any moment)', () => {
    const line = new IsolateFirstLine();
    line.note('acme', 1, { ...usage, ok: false, limit: 'concurrency', retryAfterMs: 1_000 }, 1_000);
    expect(line.check('acme', 1, 1_001)).toBeNull();
  });

  it('first line: a tenant this isolate alone sent over its limit is refused locally', () => {
    const line = new IsolateFirstLine();
    for (let sent = 0; sent < 3; sent += 1) {
      expect(line.check('acme', 1, 1_000)).toBeNull();
      line.note('acme', 1, { ...usage, ok: true }, 1_000);
    }
    expect(line.check('acme', 1, 1_000)).toMatchObject({ limit: 'requests' });
  });
});
