/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent` handling shared by the
 * edge (which accepts, creates and forwards it) and gpu-node (which logs its trace id).
 */

/** A parsed `traceparent`: which trace a request belongs to and the span that sent it. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zeros. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zeros: the caller's span (the parent of ours). */
  readonly parentId: string;
  /** 2 lowercase hex digits; bit 0 is `sampled`. */
  readonly flags: string;
}

/** The version this code writes; `ff` is forbidden, later versions are read as this one. */
const VERSION = '00';
const FORBIDDEN_VERSION = 'ff';
/** Length of a version-00 header: `vv-` + 32 + `-` + 16 + `-` + `ff`. */
const VERSION_00_LENGTH = 55;
const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
/** Flags of a trace the edge starts: sampled, since every request is logged. */
const SAMPLED = '01';

/**
 * Parses a `traceparent` header per the W3C spec; null when absent or invalid (the receiver then
 * starts a new trace). Version 00 must be exactly 55 characters; a later version is read by its
 * first four fields, which it must be followed by `-` or end after.
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')?.traceId;
 * // '4bf92f3577b34da6a3ce929d0e0e4736'
 */
export function parseTraceparent(header: string | null | undefined): TraceContext | null {
  if (typeof header !== 'string') return null;
  const value = header.trim();
  if (value.length < VERSION_00_LENGTH) return null;
  const version = value.slice(0, 2);
  if (version === VERSION && value.length !== VERSION_00_LENGTH) return null;
  if (version !== VERSION && value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-')
    return null;
  const match = FIELDS.exec(value.slice(0, VERSION_00_LENGTH));
  if (!match) return null;
  const [, parsedVersion, traceId, parentId, flags] = match;
  if (parsedVersion === FORBIDDEN_VERSION || !traceId || !parentId || !flags) return null;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return null;
  return { traceId, parentId, flags };
}

/** Formats a version-00 `traceparent` for a span of `trace`. */
export function formatTraceparent(traceId: string, spanId: string, flags: string): string {
  return `${VERSION}-${traceId}-${spanId}-${flags}`;
}

/** A fresh random trace id (16 random bytes, never all zeros). */
export function newTraceId(): string {
  return randomHex(16, ZERO_TRACE_ID);
}

/** A fresh random span id (8 random bytes, never all zeros). */
export function newSpanId(): string {
  return randomHex(8, ZERO_PARENT_ID);
}

/** The flags a new trace starts with. */
export const NEW_TRACE_FLAGS = SAMPLED;

/** Each byte's two hex digits: ids are made on every request. */
const HEX_BYTES = Array.from({ length: 256 }, (_, value) => value.toString(16).padStart(2, '0'));

function randomHex(bytes: number, zero: string): string {
  for (;;) {
    const values = crypto.getRandomValues(new Uint8Array(bytes));
    let hex = '';
    for (const value of values) hex += HEX_BYTES[value];
    if (hex !== zero) return hex;
  }
}
