/** A node of V8's sampling heap profile (`HeapProfiler.stopSampling`). */
interface HeapNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

/** V8's sampling heap profile. */
export interface SamplingHeapProfile {
  readonly head: HeapNode;
}

/** How many allocation sites {@link bytesByFunction} lists. */
const TOP_SITES = 15;

/**
 * Bytes by allocating function, largest first, and per request. Sampled with
 * `includeObjectsCollectedByMajorGC`, the profile holds what is still alive plus what a
 * Mark-Compact collected: objects that lived long enough to be promoted to the old generation.
 */
export function bytesByFunction(
  profile: SamplingHeapProfile,
  requests: number,
): {
  readonly total_kib: number;
  readonly sites: readonly { readonly name: string; readonly bytes_per_request: number }[];
} {
  const bytes = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'}${url ? ` ${url.split('/').pop()}:${lineNumber + 1}` : ''}`;
    bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  const perRequest = (value: number) => (requests > 0 ? Math.round(value / requests) : 0);
  return {
    total_kib: Math.round(total / 1024),
    sites: [...bytes.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_SITES)
      .map(([name, value]) => ({ name, bytes_per_request: perRequest(value) })),
  };
}
