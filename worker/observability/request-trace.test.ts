import { describe, expect, it } from 'vitest';
import { parseTraceparent } from '../../shared/trace-context.ts';
import { requestTrace } from './request-trace.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${PARENT_ID}-01`;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

describe('traceparent: W3C Trace Context parsing', () => {
  it('traceparent: reads a valid version-00 header', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE_ID, parentId: PARENT_ID, flags: '01' });
    expect(parseTraceparent(`00-${TRACE_ID}-${PARENT_ID}-00`)?.flags).toBe('00');
    expect(parseTraceparent(`  ${VALID} `)?.traceId).toBe(TRACE_ID);
  });

  it('traceparent: reads a future version by its first four fields', () => {
    expect(parseTraceparent(`01-${TRACE_ID}-${PARENT_ID}-01`)?.traceId).toBe(TRACE_ID);
    expect(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-adds`)?.parentId).toBe(PARENT_ID);
    expect(parseTraceparent(`cc-${TRACE_ID}-${PARENT_ID}-01x`)).toBeNull();
  });

  const invalid: ReadonlyArray<[string, string | null | undefined]> = [
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['version ff', `ff-${TRACE_ID}-${PARENT_ID}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_ID}-01`],
    ['all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['uppercase hex', `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
    ['short parent id', `00-${TRACE_ID}-${PARENT_ID.slice(1)}-01`],
    ['non-hex flags', `00-${TRACE_ID}-${PARENT_ID}-0z`],
    ['version 00 with extra fields', `${VALID}-extra`],
    ['wrong separators', `00_${TRACE_ID}_${PARENT_ID}_01`],
    ['non-hex version', `0g-${TRACE_ID}-${PARENT_ID}-01`],
  ];
  for (const [name, header] of invalid) {
    it(`traceparent: refuses ${name}`, () => {
      expect(parseTraceparent(header)).toBeNull();
    });
  }
});

describe('request trace: the edge continues the client’s trace or starts one', () => {
  it('request trace: keeps the client’s trace id and flags under a new span of the edge', () => {
    const trace = requestTrace(VALID);
    expect(trace.traceId).toBe(TRACE_ID);
    const [, traceId, spanId, flags] = TRACEPARENT.exec(trace.traceparent) ?? [];
    expect(traceId).toBe(TRACE_ID);
    expect(flags).toBe('01');
    expect(spanId).not.toBe(PARENT_ID);
    expect(spanId).toBe(trace.spanId);
  });

  it('request trace: gives every pool attempt its own span in the same trace', () => {
    const trace = requestTrace(`00-${TRACE_ID}-${PARENT_ID}-00`);
    const children = Array.from({ length: 5 }, () => trace.childTraceparent());
    const spans = new Set(children.map((child) => parseTraceparent(child)?.parentId));
    expect(spans.size).toBe(5);
    expect(spans.has(trace.spanId)).toBe(false);
    for (const child of children) {
      expect(parseTraceparent(child)).toMatchObject({ traceId: TRACE_ID, flags: '00' });
    }
  });

  for (const header of [undefined, 'garbage', `00-${'0'.repeat(32)}-${PARENT_ID}-01`]) {
    it(`request trace: starts a sampled trace when the header is ${header ?? 'absent'}`, () => {
      const trace = requestTrace(header);
      const parsed = parseTraceparent(trace.traceparent);
      expect(parsed).not.toBeNull();
      expect(parsed?.traceId).not.toBe('0'.repeat(32));
      expect(parsed?.flags).toBe('01');
      expect(requestTrace(header).traceId).not.toBe(trace.traceId);
    });
  }
});
