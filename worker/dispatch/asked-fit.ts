import { BackendCallError } from '../../backends/index.ts';
import { errorEnvelope, type GenerationRequest } from '../../shared/index.ts';
import { type PoolView, type RoutingRequest, requestMisfit, sendsOwnHeartbeats } from '../routing/index.ts';

/** What the request itself asked for (size, steps), for routing to match against pools. */
export function askedOf(request: Pick<GenerationRequest, 'size' | 'steps'>): {
  asked?: RoutingRequest['asked'];
} {
  const { size, steps } = request;
  if (size === undefined && steps === undefined) return {};
  return { asked: { ...(size === undefined ? {} : { size }), ...(steps === undefined ? {} : { steps }) } };
}

/** A size or step count that no pool serves for the model, and what they serve instead. */
export interface UnservedAsk {
  readonly param: 'size' | 'steps';
  /** Names what is served: safe for the wire (the pools the tenant may use, nothing else). */
  readonly message: string;
}

/**
 * Whether a pool has yet to say what it serves: a pool that pushes its own heartbeats (gpu-node)
 * and never reported, so its registration is all there is. Pools of other protocols never report
 * sizes or steps (the provider maps them and warns), so they are taken to serve every one.
 */
function saysNothingYet(pool: PoolView): boolean {
  return pool.reportedAt === null && sendsOwnHeartbeats(pool);
}

/**
 * The size or step count that none of the `servable` pools (the tenant's, for the model) serves,
 * judged on what they said: a pool's last report stands even while it is stale (that is what it
 * serves when it is back), and a pool that never reported is left out while another did. Null
 * when some pool serves the request, or when no servable pool ever reported (it may yet fit):
 * a registered pool that never reports must not make an impossible request look possible for as
 * long as it stays registered.
 */
export function unservedAsk(
  pools: readonly PoolView[],
  servable: (pool: PoolView) => boolean,
  request: Pick<RoutingRequest, 'model' | 'asked'>,
): UnservedAsk | null {
  const { model, asked } = request;
  if (asked === undefined) return null;
  const known = pools.filter((pool) => servable(pool) && !saysNothingYet(pool));
  if (known.length === 0 || known.some((pool) => requestMisfit(pool, request) === null)) return null;
  // Every known pool refuses it, so each reports its ranges for the model.
  const served = known.flatMap((pool) => {
    const defaults = pool.modelDefaults?.get(model);
    return defaults ? [defaults] : [];
  });
  const sizes = [...new Set(served.flatMap((defaults) => defaults.sizes ?? []))];
  if (asked.size !== undefined && sizes.length > 0 && !sizes.includes(asked.size)) {
    return {
      param: 'size',
      message: `size ${asked.size} is not served for ${model}: one of ${sizes.join(', ')}`,
    };
  }
  // The size is served somewhere: the most steps of the pools that serve that size.
  const atSize = served.filter(
    (defaults) => asked.size === undefined || !defaults.sizes || defaults.sizes.includes(asked.size),
  );
  const maxSteps = Math.max(...atSize.map((defaults) => defaults.maxSteps ?? 0));
  // Nothing reported says what would fit: left to the pools to answer.
  if (!(maxSteps > 0)) return null;
  const at = asked.size === undefined ? '' : ` at ${asked.size}`;
  return { param: 'steps', message: `steps must be at most ${maxSteps} for ${model}${at}` };
}

/**
 * The edge's own 400 `unsupported_value` for an {@link unservedAsk}, as a pool would answer it: for
 * a request no pool can take now whose ask none of them serves anyway (a 503 would have the client
 * retry a request that can never succeed).
 */
export function unservedAskError(unserved: UnservedAsk): BackendCallError {
  return new BackendCallError({
    message: unserved.message,
    status: 400,
    code: 'unsupported_value',
    retryable: false,
    workStarted: false,
    envelope: errorEnvelope('unsupported_value', unserved.message, '', unserved.param),
  });
}

/** The routing request without what it asked for (size, steps). */
export function withoutAsked(request: RoutingRequest): RoutingRequest {
  const { asked: _asked, ...rest } = request;
  return rest;
}
