import { describe, expect, it } from 'vitest';
import type { LimitUsage } from './admission-verdict.ts';
import { IsolateFirstLine, LIMITS_TRUSTED_MS } from './isolate-first-line.ts';

const usage: LimitUsage = {
  limits: { requests_per_minute: 3, images_per_minute: 100, concurrent_generations: 10 },
  remaining: { requests: 2, images: 99, concurrency: 9 },
  resetMs: { requests: 20_000, images: 600 },
};

describe('isolate first line', () => {
  it('first line: knows nothing of a tenant until its limiter answered once', () => {
    expect(new IsolateFirstLine().check('acme', 1, 0)).toBeNull();
  });

  it('first line: a rate refusal from the limiter holds in the isolate, telling its Retry-After', () => {
    const line = new IsolateFirstLine();
    line.note('acme', 1, { ...usage, ok: false, limit: 'requests', retryAfterMs: 400 }, 1_000);
    expect(line.check('acme', 1, 1_100)).toMatchObject({ limit: 'requests', retryAfterMs: 300 });
    expect(line.check('acme', 1, 1_400)).toBeNull();
    expect(line.check('other', 1, 1_100)).toBeNull();
  });

  it("first line: acts on the limiter's word for a second at most, so a changed limit is soon asked about", () => {
    const line = new IsolateFirstLine();
    line.note('acme', 1, { ...usage, ok: false, limit: 'requests', retryAfterMs: 20_000 }, 1_000);
    // The whole Retry-After is told, but only while the limiter's word is fresh.
    const stale = 1_000 + LIMITS_TRUSTED_MS;
    expect(line.check('acme', 1, stale - 1)).toMatchObject({ retryAfterMs: 21_000 - (stale - 1) });
    expect(line.check('acme', 1, stale)).toBeNull();
  });

  it('first line: once stale, one request goes on to ask the limiter while the others are still refused here', () => {
    const line = new IsolateFirstLine();
    line.note('acme', 1, { ...usage, ok: false, limit: 'requests', retryAfterMs: 20_000 }, 1_000);
    const stale = 1_000 + LIMITS_TRUSTED_MS;
    expect(line.check('acme', 1, stale)).toBeNull();
    line.asking('acme', stale);
    expect(line.check('acme', 1, stale + 1)).toMatchObject({ limit: 'requests' });
    // The limiter admits it (an operator raised the limit): the block is gone.
    line.note('acme', 1, { ...usage, ok: true }, stale + 5);
    expect(line.check('acme', 1, stale + 6)).toBeNull();
  });

  it('first line: forgetting a tenant (its limits changed here) leaves its next request to the limiter', () => {
    const line = new IsolateFirstLine();
    line.note('acme', 1, { ...usage, ok: false, limit: 'requests', retryAfterMs: 20_000 }, 1_000);
    line.forget('acme');
    expect(line.check('acme', 1, 1_001)).toBeNull();
  });

  it('first line: a request larger than the whole images limit blocks nothing, and is left to the limiter', () => {
    const line = new IsolateFirstLine();
    const small = { ...usage, limits: { ...usage.limits, images_per_minute: 3 } };
    line.note('acme', 4, { ...small, ok: false, limit: 'images', retryAfterMs: null }, 1_000);
    expect(line.check('acme', 1, 1_001)).toBeNull();
    expect(line.check('acme', 4, 1_001)).toBeNull();
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

  it('first line: an images refusal holds back only a request as large; a smaller one may still fit', () => {
    const line = new IsolateFirstLine();
    const limits = { ...usage.limits, images_per_minute: 4 };
    const left = { ...usage, limits, remaining: { ...usage.remaining, images: 1 } };
    line.note('acme', 4, { ...left, ok: false, limit: 'images', retryAfterMs: 44_000 }, 1_000);
    expect(line.check('acme', 4, 1_001)).toMatchObject({ limit: 'images', retryAfterMs: 43_999 });
    expect(line.check('acme', 5, 1_001)).toMatchObject({ limit: 'images' });
    expect(line.check('acme', 1, 1_001)).toBeNull();
    // A requests refusal holds back every request.
    line.note('acme', 1, { ...left, ok: false, limit: 'requests', retryAfterMs: 5_000 }, 1_002);
    expect(line.check('acme', 1, 1_003)).toMatchObject({ limit: 'requests' });
  });

  it('first line: a memory made anew counts from the limiter’s schedule, not from nothing', () => {
    const line = new IsolateFirstLine();
    // The limiter admitted the tenant's third request of 3 a minute: its schedule is a minute
    // ahead, other isolates' sends included.
    const used = {
      ...usage,
      remaining: { ...usage.remaining, requests: 0 },
      resetMs: { requests: 60_000, images: 600 },
    };
    line.note('acme', 1, { ...used, ok: true }, 1_000);
    // The next is refused here, with the limiter's figures: nothing left, room in 20 s.
    const refused = line.check('acme', 1, 1_000);
    expect(refused).toMatchObject({ limit: 'requests', usage: { remaining: { requests: 0 } } });
    expect(refused?.retryAfterMs).toBe(20_000);
    // Permits granted ahead are not counted twice: counted as they are used, not at the verdict.
    const ahead = new IsolateFirstLine();
    ahead.note('acme', 1, { ...used, ok: true, spare: { requests: 1, images: 0 } }, 1_000);
    expect(ahead.check('acme', 1, 1_000)).toBeNull();
  });
});
