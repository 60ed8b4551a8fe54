import {
  formatTraceparent,
  NEW_TRACE_FLAGS,
  newSpanId,
  newTraceId,
  parseTraceparent,
} from '../../shared/trace-context.ts';

/**
 * One request's place in a W3C trace: the client's trace id (or a new one when its `traceparent`
 * is absent or invalid), the edge's own span, and a fresh child span per pool attempt.
 */
export interface RequestTrace {
  readonly traceId: string;
  /** The edge's span for this request: the `traceparent` the response carries. */
  readonly spanId: string;
  readonly flags: string;
  /** `traceparent` of the edge's span, echoed to the client. */
  readonly traceparent: string;
  /** A `traceparent` for one pool attempt: same trace, a new span id each call. */
  childTraceparent(): string;
}

/**
 * The trace of a request carrying `header` (its `traceparent`).
 * @example
 * const trace = requestTrace(request.headers.get('traceparent'));
 * response.headers.set('traceparent', trace.traceparent);
 */
export function requestTrace(header: string | null | undefined): RequestTrace {
  const parent = parseTraceparent(header);
  const traceId = parent?.traceId ?? newTraceId();
  const flags = parent?.flags ?? NEW_TRACE_FLAGS;
  const spanId = newSpanId();
  return {
    traceId,
    spanId,
    flags,
    traceparent: formatTraceparent(traceId, spanId, flags),
    childTraceparent: () => formatTraceparent(traceId, newSpanId(), flags),
  };
}
