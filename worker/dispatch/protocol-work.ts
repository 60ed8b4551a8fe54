import type { ImageBackend } from '../../backends/index.ts';
import type { GenerationRequest } from '../../shared/index.ts';
import type { ModelDefaults } from '../routing/index.ts';

/** What this reads of a fleet snapshot: its pools' protocols. */
type ProtocolsOfFleet = { readonly pools: readonly { readonly provider: { readonly protocol: string } }[] };

const protocolsBySnapshot = new WeakMap<ProtocolsOfFleet, readonly string[]>();

/** The protocols of the snapshot's providers, computed once per snapshot. */
function protocolsOf(snapshot: ProtocolsOfFleet): readonly string[] {
  let protocols = protocolsBySnapshot.get(snapshot);
  if (!protocols) {
    protocols = [...new Set(snapshot.pools.map((entry) => entry.provider.protocol))];
    protocolsBySnapshot.set(snapshot, protocols);
  }
  return protocols;
}

/**
 * The request's work as each protocol in the fleet counts it (`ImageBackend.workOf`), for the
 * protocols whose count differs from `work` (`RoutingRequest.workByProtocol`); undefined when none
 * does, or the model's defaults are unknown.
 *
 * @example
 * workByProtocol(snapshot, request, { steps: 30, size: '512x512' }, 7.86, backendFor);
 * // Map { 'openai-compatible' => 7.86 } for a 4-step request on a 30-step hosted model
 */
export function workByProtocol(
  snapshot: ProtocolsOfFleet,
  request: GenerationRequest,
  defaults: ModelDefaults | undefined,
  work: number | undefined,
  backendFor: (protocol: string) => ImageBackend | undefined,
): ReadonlyMap<string, number> | undefined {
  if (!defaults || work === undefined) return undefined;
  let counts: Map<string, number> | undefined;
  for (const protocol of protocolsOf(snapshot)) {
    const own = backendFor(protocol)?.workOf?.(request, defaults);
    if (own === undefined || !(own > 0) || own === work) continue;
    counts ??= new Map();
    counts.set(protocol, own);
  }
  return counts;
}
