/** What the handler bench calls: the edge's app, or a passthrough for the floor. */
export type HandlerMode = 'edge' | 'passthrough';

/** JS work per request for one handler variant, measured in Node's V8. */
export interface HandlerResult {
  readonly requests: number;
  readonly cpu_us_per_request: number;
  readonly wall_us_per_request: number;
}
