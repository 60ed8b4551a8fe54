import { join } from 'node:path';
import { round } from '../gpu-node/percentiles.ts';
import { benchEdgeVars } from './bench-credentials.ts';
import type { EdgeHostSpec } from './edge-host-protocol.ts';
import { allKnockouts, knockoutDescriptions } from './knockout-catalog.ts';
import type { LoadTarget } from './load.ts';
import { measurePaths, type PathResult } from './measure-paths.ts';
import type { PhaseContext } from './phase-context.ts';
import { registerInstantPool } from './spillway-setup.ts';
import { startEdgeHost } from './start-edge-host.ts';
import { generateTarget, spillwayTarget } from './targets.ts';

/** One variant's figures, and how they compare with the unmodified edge measured alongside. */
export interface VariantResult extends PathResult {
  readonly description: string;
  /** `full` p50 minus this variant's p50: the time the change saves per request at 1 client. */
  readonly p50_saved_ms: number | null;
  /** This variant's rps over `full`'s. */
  readonly rps_over_full: number | null;
}

interface Variant {
  readonly name: string;
  readonly description: string;
  readonly spec: (context: PhaseContext) => EdgeHostSpec;
  readonly spillway: boolean;
}

const edgeSpec =
  (names: readonly string[]) =>
  (context: PhaseContext): EdgeHostSpec => ({
    kind: 'edge-runtime',
    worker: 'edge',
    knockouts: names,
    buildFolder: join(context.folder, `variant-${names.join('+') || 'full'}`),
    secrets: { EDGE_SIGNING_KEY: context.credentials.edgeSecretJwk },
    vars: benchEdgeVars,
  });

const bareSpec =
  (worker: 'passthrough' | 'buffered-passthrough') =>
  (context: PhaseContext): EdgeHostSpec => ({
    kind: 'edge-runtime',
    worker,
    knockouts: [],
    buildFolder: join(context.folder, `variant-${worker}`),
    secrets: {},
    vars: { UPSTREAM_URL: context.pool.url },
  });

const infoLogSpec =
  (edge: boolean) =>
  (context: PhaseContext): EdgeHostSpec => ({
    kind: 'info-log-runtime',
    entryPoint: edge ? 'worker/index.ts' : 'bench/edge/passthrough-worker.ts',
    buildFolder: join(context.folder, `variant-info-log-${edge ? 'full' : 'bare'}`),
    bindings: edge
      ? { ...benchEdgeVars, EDGE_SIGNING_KEY: context.credentials.edgeSecretJwk }
      : { UPSTREAM_URL: context.pool.url },
    edgeObjects: edge,
  });

const variants: readonly Variant[] = [
  { name: 'bare', description: 'the passthrough Worker', spec: bareSpec('passthrough'), spillway: false },
  {
    name: 'bare-buffered',
    description:
      'the passthrough holding both bodies in full (text in, text out), as any Worker that parses them must',
    spec: bareSpec('buffered-passthrough'),
    spillway: false,
  },
  { name: 'full', description: 'the edge as built (reference)', spec: edgeSpec([]), spillway: true },
  ...allKnockouts.map((name) => ({
    name,
    description: knockoutDescriptions[name],
    spec: edgeSpec([name]),
    spillway: true,
  })),
  {
    name: 'all-knockouts',
    description: `every knock-out at once (${allKnockouts.join(', ')}): what remains is Hono, routing, fetch and re-serialising`,
    spec: edgeSpec(allKnockouts),
    spillway: true,
  },
  {
    name: 'bare-info-log',
    description:
      'the passthrough Worker under the previous local runtime setting: Log(LogLevel.INFO), a log line per request',
    spec: infoLogSpec(false),
    spillway: false,
  },
  {
    name: 'full-info-log',
    description:
      'the edge under the previous local runtime setting: Log(LogLevel.INFO), a log line per request',
    spec: infoLogSpec(true),
    spillway: true,
  },
];

/** The breakdown: each variant that ran, and why any did not. */
export interface BreakdownResults {
  readonly variants: Record<string, VariantResult>;
  readonly notes: readonly string[];
}

/**
 * Runs the edge in several variants side by side (each started by startEdgeRuntime in its own
 * process, except the two info-log references) and measures
 * them interleaved, to show which part of the edge's work costs what. Variants are built through
 * the Worker's own composition root (`createEdgeWorker({ customize })`, bench/edge/workerd/edge-knockouts.ts); a
 * variant that fails to start is left out with a note.
 */
export async function breakdownPhase(context: PhaseContext): Promise<BreakdownResults> {
  const { pool, log } = context;
  log(`breakdown: starting ${variants.length} variants`);
  const targets: LoadTarget[] = [generateTarget('direct', pool.url, pool.pid)];
  const notes: string[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    for (const variant of variants) {
      const target = await startVariant(context, variant, stops).catch((error: unknown) => {
        notes.push(
          `breakdown variant ${variant.name} left out: ${error instanceof Error ? error.message : String(error)}`,
        );
        return null;
      });
      if (target) targets.push(target);
    }
    const results = await measurePaths(targets, 'direct', context.settings);
    const full = results.get('full');
    const measured = variants.flatMap((variant): Array<[string, VariantResult]> => {
      const result = results.get(variant.name);
      if (!result) return [];
      return [
        [
          variant.name,
          {
            description: variant.description,
            ...result,
            p50_saved_ms:
              full?.p50_ms != null && result.p50_ms !== null ? round(full.p50_ms - result.p50_ms, 3) : null,
            rps_over_full: full && full.rps > 0 ? round(result.rps / full.rps, 3) : null,
          },
        ],
      ];
    });
    return { variants: Object.fromEntries(measured), notes };
  } finally {
    log('breakdown: stopping the variants');
    for (const stop of stops.reverse()) await stop();
  }
}

async function startVariant(
  context: PhaseContext,
  variant: Variant,
  stops: Array<() => Promise<void>>,
): Promise<LoadTarget> {
  const host = await startEdgeHost(variant.spec(context));
  stops.push(
    context.cleanup.add(async () => {
      await context.pool.stopHeartbeats(host.url);
      await host.stop();
    }),
  );
  if (!variant.spillway) return generateTarget(variant.name, host.url, host.pid);
  // Heartbeats every second rather than 500 ms: seven edges side by side, less background work.
  const apiKey = await registerInstantPool(host.url, context.credentials, context.pool, 1_000);
  return spillwayTarget(variant.name, host.url, apiKey, host.pid);
}
