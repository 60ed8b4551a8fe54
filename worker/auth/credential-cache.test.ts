import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CredentialCache } from './credential-cache.ts';

const limits = { ttlMs: 5_000, maxFound: 4, maxRefused: 3 };

/** A directory stand-in that counts lookups and answers from a fixed set of known keys. */
function directory(known: ReadonlySet<string>) {
  const lookups: string[] = [];
  return {
    lookups,
    load: (key: string) => async () => {
      lookups.push(key);
      return known.has(key) ? `caller:${key}` : null;
    },
  };
}

describe('credential cache', () => {
  it('credential cache: concurrent lookups of one credential reach the directory once', async () => {
    const cache = new CredentialCache<string>(limits);
    const { lookups, load } = directory(new Set(['good']));
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => cache.getOrLoad('good', 0, load('good'))),
    );
    expect(answers.every((answer) => answer === 'caller:good')).toBe(true);
    expect(lookups).toEqual(['good']);
    expect(cache.peek('good', 4_999)).toBe('caller:good');
    expect(cache.peek('good', 5_000)).toBeUndefined();
  });

  it('credential cache: a flood of made-up credentials never evicts a found one, and stays bounded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 200 }),
        async (junk) => {
          const cache = new CredentialCache<string>(limits);
          const { lookups, load } = directory(new Set(['good']));
          await cache.getOrLoad('good', 0, load('good'));
          for (const key of junk.filter((candidate) => candidate !== 'good')) {
            expect(await cache.getOrLoad(key, 1, load(key))).toBeNull();
          }
          expect(cache.size.refused).toBeLessThanOrEqual(limits.maxRefused);
          expect(cache.size.found).toBe(1);
          expect(await cache.getOrLoad('good', 2, load('good'))).toBe('caller:good');
          expect(lookups.filter((key) => key === 'good')).toHaveLength(1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('credential cache: each distinct made-up credential reaches the directory at most once per interval', async () => {
    const cache = new CredentialCache<string>({ ...limits, maxRefused: 100 });
    const { lookups, load } = directory(new Set());
    for (let round = 0; round < 3; round++) {
      for (const key of ['a', 'b', 'c']) await cache.getOrLoad(key, round * 1_000, load(key));
    }
    expect(lookups).toEqual(['a', 'b', 'c']);
    await cache.getOrLoad('a', 5_000, load('a'));
    expect(lookups).toEqual(['a', 'b', 'c', 'a']);
  });
});
