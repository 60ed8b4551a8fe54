/**
 * The `traceparent` header of a call that carries one (W3C Trace Context), else no header: spread
 * into the generation request's headers of every adapter.
 * @example
 * headers: { 'content-type': 'application/json', ...traceHeader(call) }
 */
export function traceHeader(call: { readonly traceparent?: string }): Record<string, string> {
  return call.traceparent === undefined ? {} : { traceparent: call.traceparent };
}
