import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.ts';

describe('retry budget', () => {
  it('retry budget: a fresh isolate may fail over a burst of `capacity` times, then stops', () => {
    const budget = new RetryBudget({ capacity: 3 });
    expect([budget.spend(), budget.spend(), budget.spend(), budget.spend()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('retry budget: under sustained failure retries settle at `ratio` of requests', () => {
    const budget = new RetryBudget({ ratio: 0.1, capacity: 10 });
    let retries = 0;
    const requests = 10_000;
    for (let request = 0; request < requests; request++) {
      budget.earn();
      // Every request fails and would fail over twice (3 attempts) if allowed.
      if (budget.spend()) retries++;
      if (budget.spend()) retries++;
    }
    expect(retries / requests).toBeGreaterThan(0.099);
    expect(retries / requests).toBeLessThanOrEqual(0.1 + 10 / requests);
  });

  it('retry budget: healthy traffic refills it, never past capacity', () => {
    const budget = new RetryBudget({ ratio: 0.5, capacity: 2 });
    budget.spend();
    budget.spend();
    expect(budget.spend()).toBe(false);
    for (let request = 0; request < 100; request++) budget.earn();
    expect(budget.tokens).toBe(2);
  });
});
