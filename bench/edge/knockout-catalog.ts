import { EDGE_RESOURCE_BINDINGS } from '../../scripts/local-stack/edge-runtime.ts';

/** The bench's variants of the edge, each leaving one part of its work out. */
export const knockoutDescriptions = {
  'no-api-key-auth':
    'knock-out: the tenant principal memoised per Authorization header (no key digest or cache lookup)',
  'no-request-validation': 'knock-out: the generation request JSON.parsed with defaults, no zod schema',
  'no-hedging': 'knock-out: dispatch without hedging (no hedge budget or hedge timer)',
  'no-limiter': 'knock-out: every request admitted without the tenant limiter (no Durable Object call)',
  'no-observability':
    'knock-out: no log line, Analytics Engine data point or stats count per generation (tracing stays)',
} as const;

/** A knock-out's name. */
export type KnockoutName = keyof typeof knockoutDescriptions;

/** Every knock-out at once: what is left is Hono, routing, fetch and re-serialising the answer. */
export const allKnockouts = Object.keys(knockoutDescriptions).filter(isKnockoutName);

/** Whether `name` names a knock-out. */
export function isKnockoutName(name: string): name is KnockoutName {
  return Object.hasOwn(knockoutDescriptions, name);
}

/** Every Durable Object class the edge binds: the entry must export each, or its stub throws. */
const durableObjectClasses = Object.values(EDGE_RESOURCE_BINDINGS.durableObjects).map(
  ({ className }) => className,
);

/**
 * The source of a Worker entry module serving the edge with the named knock-outs, built by the
 * product's own composition root (`createEdgeWorker({ customize })`, with the collaborators from
 * `bench/edge/workerd/edge-knockouts.ts`): product source is never edited or patched. Without
 * `durableObjects` the module loads outside workerd (the in-process handler bench).
 */
export function knockoutEntrySource(
  names: readonly KnockoutName[],
  repositoryRoot: string,
  { durableObjects = true }: { readonly durableObjects?: boolean } = {},
): string {
  const from = (path: string) => JSON.stringify(`${repositoryRoot}/${path}`);
  return [
    `import { createEdgeWorker } from ${from('worker/edge-worker.ts')};`,
    `import { customizeFor } from ${from('bench/edge/workerd/edge-knockouts.ts')};`,
    durableObjects ? `export { ${durableObjectClasses.join(', ')} } from ${from('worker/index.ts')};` : '',
    `export default createEdgeWorker({ customize: customizeFor(${JSON.stringify(names)}) });`,
    '',
  ].join('\n');
}
