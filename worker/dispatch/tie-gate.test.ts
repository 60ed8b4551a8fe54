import { describe, expect, it } from 'vitest';
import { MAX_UNSETTLED_TIES } from '../routing/index.ts';
import { TieGate } from './tie-gate.ts';

describe('tie gate', () => {
  it('tie gate: opens up to its limit, and a pair released twice frees one place', () => {
    const gate = new TieGate(2);
    const first = gate.tryOpen();
    const second = gate.tryOpen();
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(gate.tryOpen()).toBeNull();
    expect(gate.open).toBe(2);
    first?.();
    first?.();
    expect(gate.open).toBe(1);
    const third = gate.tryOpen();
    expect(third).not.toBeNull();
    expect(gate.tryOpen()).toBeNull();
    second?.();
    third?.();
    expect(gate.open).toBe(0);
  });

  it('tie gate: the isolate default is routing’s limit, which the simulator keeps too', () => {
    const gate = new TieGate();
    expect(gate.limit).toBe(MAX_UNSETTLED_TIES);
    const releases = Array.from({ length: MAX_UNSETTLED_TIES }, () => gate.tryOpen());
    expect(releases.every((release) => release !== null)).toBe(true);
    expect(gate.tryOpen()).toBeNull();
  });
});
