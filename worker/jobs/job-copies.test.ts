import { describe, expect, it } from 'vitest';
import { JobCopies } from './job-copies.ts';

describe('job copies', () => {
  it('a copy started beside one that computes runs alongside; after that one ends, a new one does not', () => {
    const copies = new JobCopies();
    expect(copies.started('pool-a')).toBe(false);
    copies.observe({ kind: 'queued', position: 0 }, 'pool-a');
    // Waiting at its pool is not computing: a hedge then is the job's new place.
    expect(copies.started('pool-b')).toBe(false);
    copies.observe({ kind: 'progress', step: 1, steps: 8 }, 'pool-a');
    expect(copies.started('pool-c')).toBe(true);
    copies.ended('pool-a');
    expect(copies.started('pool-d')).toBe(false);
  });
});
