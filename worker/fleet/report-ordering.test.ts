import { describe, expect, it } from 'vitest';
import { REPORT_CLOCK_TOLERANCE_MS } from '../../shared/index.ts';
import { staleReportAnswer } from './report-ordering.ts';

describe('report ordering', () => {
  it('ordering: newer reports are kept; a little behind is stale; far behind is refused', () => {
    expect(staleReportAnswer(null, 1_000, 1_010)).toBeNull();
    expect(staleReportAnswer(31_000, 31_001, 31_010)).toBeNull();
    expect(staleReportAnswer(31_000, 31_000, 31_010)).toEqual({ ok: true, stale: true });
    expect(staleReportAnswer(31_000, 31_000 - REPORT_CLOCK_TOLERANCE_MS, 31_010)).toEqual({
      ok: true,
      stale: true,
    });
    expect(staleReportAnswer(31_000, 1_000, 31_010)).toEqual({
      ok: false,
      reason: 'report_behind',
      latest_timestamp: 31_000,
    });
  });

  it('ordering: a stored report dated past the tolerance ahead of the clock orders nothing', () => {
    const ahead = 31_010 + REPORT_CLOCK_TOLERANCE_MS + 1;
    expect(staleReportAnswer(ahead, 1_000, 31_010)).toBeNull();
  });
});
