import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadHeaderNames, loadHeaders, parseLoadHeaders } from './load-headers.ts';

const count = fc.integer({ min: 0, max: 999_999_999 });
const load = fc.record({ queued: count, running: count, slots: count, draining: fc.boolean() });

describe('load headers', () => {
  it('load headers: whatever a pool writes, the edge reads back unchanged', () => {
    fc.assert(
      fc.property(load, (written) => {
        expect(parseLoadHeaders(new Headers(loadHeaders(written)))).toEqual(written);
      }),
    );
  });

  it('load headers: a missing figure means no load at all, not zero', () => {
    for (const name of [loadHeaderNames.queued, loadHeaderNames.running, loadHeaderNames.slots]) {
      const headers = new Headers(loadHeaders({ queued: 1, running: 2, slots: 4, draining: false }));
      headers.delete(name);
      expect(parseLoadHeaders(headers)).toBeNull();
    }
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
          const headers = new Headers(loadHeaders({ queued: 1, running: 2, slots: 4, draining: false }));
          try {
            headers.set(loadHeaderNames[field], value);
          } catch {
            return; // not a valid header value at all: a real pool could not have sent it
          }
          expect(parseLoadHeaders(headers)).toBeNull();
        },
      ),
    );
    const flag = new Headers(loadHeaders({ queued: 1, running: 2, slots: 4, draining: false }));
    flag.set(loadHeaderNames.draining, 'true');
    expect(parseLoadHeaders(flag)).toBeNull();
  });
});
