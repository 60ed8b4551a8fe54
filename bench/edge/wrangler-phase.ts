import { join } from 'node:path';
import { benchEdgeVars } from './bench-credentials.ts';
import type { PathResult } from './measure-paths.ts';
import { measurePaths } from './measure-paths.ts';
import type { PhaseContext } from './phase-context.ts';
import { registerInstantPool } from './spillway-setup.ts';
import { generateTarget, spillwayTarget } from './targets.ts';
import { startWranglerDev } from './wrangler-dev.ts';

/** The passthrough Worker and Spillway's edge under `wrangler dev --local`. */
export interface WranglerResults {
  readonly bare: PathResult | null;
  readonly spillway: PathResult | null;
  /** The instant pool measured in the same interleaved run, the reference for `added_p50_ms`. */
  readonly direct: PathResult | null;
}

/** Runs both Workers under `wrangler dev` (temporary configs) and measures them. */
export async function wranglerPhase(context: PhaseContext): Promise<WranglerResults> {
  const { pool, cleanup, log } = context;
  log('wrangler dev: starting the passthrough Worker');
  const bare = await startWranglerDev({
    name: 'bench-passthrough',
    main: 'bench/edge/passthrough-worker.ts',
    folder: join(context.folder, 'wrangler-bare'),
    vars: { UPSTREAM_URL: pool.url },
    secrets: {},
    edgeObjects: false,
    readyPath: '/v2/health/live',
    log,
  });
  const stopBare = cleanup.add(bare.stop);
  try {
    log('wrangler dev: starting Spillway’s edge');
    const edge = await startWranglerDev({
      name: 'bench-spillway-edge',
      main: 'worker/index.ts',
      folder: join(context.folder, 'wrangler-edge'),
      vars: benchEdgeVars,
      secrets: { EDGE_SIGNING_KEY: context.credentials.edgeSecretJwk },
      edgeObjects: true,
      readyPath: '/healthz',
      log,
    });
    const stopEdge = cleanup.add(async () => {
      await pool.stopHeartbeats(edge.url);
      await edge.stop();
    });
    try {
      const apiKey = await registerInstantPool(edge.url, context.credentials, pool);
      const results = await measurePaths(
        [
          generateTarget('direct', pool.url, pool.pid),
          generateTarget('bare', bare.url, bare.pid),
          spillwayTarget('spillway', edge.url, apiKey, edge.pid),
        ],
        'direct',
        context.settings,
      );
      return {
        bare: results.get('bare') ?? null,
        spillway: results.get('spillway') ?? null,
        direct: results.get('direct') ?? null,
      };
    } finally {
      await stopEdge();
    }
  } finally {
    await stopBare();
  }
}
