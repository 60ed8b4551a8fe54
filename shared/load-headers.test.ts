import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadHeaderNames, loadHeaders, MAX_HEADER_WORK, parseLoadHeaders } from './load-headers.ts';

const count = fc.integer({ min: 0, max: 999_999_999 });
/** Work figures a header can carry exactly: whole thousandths of a megapixel-step. */
const work = fc.integer({ min: 0, max: 999_999_999_999 }).map((thousandths) => thousandths / 1000);
const load = fc.record(
  {
    queued: count,
    running: count,
    slots: count,
    draining: fc.boolean(),
    queuedWork: work,
    runningWork: work,
  },
  { requiredKeys: ['queued', 'running', 'slots', 'draining'] },
);
const baseLoad = { queued: 1, running: 2, slots: 4, draining: false, queuedWork: 1.5, runningWork: 0.25 };

describe('load headers', () => {
  it('load headers: whatever a pool writes, the edge reads back unchanged', () => {
    fc.assert(
      fc.property(load, (written) => {
        expect(parseLoadHeaders(new Headers(loadHeaders(written)))).toEqual(written);
      }),
    );
  });

  it('load headers: a missing count means no load at all, not zero', () => {
    for (const name of [loadHeaderNames.queued, loadHeaderNames.running, loadHeaderNames.slots]) {
      const headers = new Headers(loadHeaders(baseLoad));
      headers.delete(name);
      expect(parseLoadHeaders(headers)).toBeNull();
    }
  });

  it('load headers: an answer without work figures (an older pool) still parses, its work undefined', () => {
    const headers = new Headers(loadHeaders({ queued: 1, running: 2, slots: 4, draining: true }));
    expect([...headers.keys()].some((name) => name.endsWith('-work'))).toBe(false);
    const parsed = parseLoadHeaders(headers);
    expect(parsed).toEqual({ queued: 1, running: 2, slots: 4, draining: true });
    expect([parsed?.queuedWork, parsed?.runningWork]).toEqual([undefined, undefined]);
    const onlyRunning = new Headers(loadHeaders(baseLoad));
    onlyRunning.delete(loadHeaderNames.queuedWork);
    expect(parseLoadHeaders(onlyRunning)).toEqual({ ...baseLoad, queuedWork: undefined });
  });

  it('load headers: work is written as a plain decimal with at most three fraction digits', () => {
    const written = loadHeaders({ ...baseLoad, queuedWork: 15.72864, runningWork: 0.0004 });
    expect([written[loadHeaderNames.queuedWork], written[loadHeaderNames.runningWork]]).toEqual([
      '15.729',
      '0',
    ]);
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (figure) => {
        const text = loadHeaders({ ...baseLoad, queuedWork: figure })[loadHeaderNames.queuedWork] ?? '';
        expect(text).toMatch(/^\d{1,9}(\.\d{1,3})?$/);
        expect(Number(text)).toBeLessThanOrEqual(MAX_HEADER_WORK);
      }),
    );
    expect(loadHeaders({ ...baseLoad, queuedWork: Number.NaN })[loadHeaderNames.queuedWork]).toBe('0');
  });

  it('load headers: anything but plain decimal counts and a 0/1 draining flag is refused', () => {
    const malformed = fc.oneof(
      // Headers trim surrounding whitespace (Fetch spec), so ' 1' arrives as '1' and is fine.
      fc.constantFrom('', '-1', '1.5', '1e3', '0x10', 'NaN', 'Infinity', '1234567890'),
      fc.string().filter((text) => !/^\d{1,9}$/.test(text.trim())),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('queued', 'running', 'slots') as fc.Arbitrary<'queued'>,
        malformed,
        (field, value) => {
          const headers = new Headers(loadHeaders(baseLoad));
          try {
            headers.set(loadHeaderNames[field], value);
          } catch {
            return; // not a valid header value at all: a real pool could not have sent it
          }
          expect(parseLoadHeaders(headers)).toBeNull();
        },
      ),
    );
    const flag = new Headers(loadHeaders(baseLoad));
    flag.set(loadHeaderNames.draining, 'true');
    expect(parseLoadHeaders(flag)).toBeNull();
  });

  it('load headers: a work figure present but not a plain decimal is refused', () => {
    const malformed = fc.oneof(
      fc.constantFrom(
        '',
        '-1',
        '-0.5',
        '1.',
        '.5',
        '1.2345',
        '1e3',
        '0x10',
        'NaN',
        'Infinity',
        '1234567890.1',
      ),
      fc.string().filter((text) => !/^\d{1,9}(\.\d{1,3})?$/.test(text.trim())),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('queuedWork', 'runningWork') as fc.Arbitrary<'queuedWork'>,
        malformed,
        (field, value) => {
          const headers = new Headers(loadHeaders(baseLoad));
          try {
            headers.set(loadHeaderNames[field], value);
          } catch {
            return;
          }
          expect(parseLoadHeaders(headers)).toBeNull();
        },
      ),
    );
  });
});
