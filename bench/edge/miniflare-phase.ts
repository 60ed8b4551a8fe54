import { join } from 'node:path';
import { benchEdgeVars } from './bench-credentials.ts';
import type { PathResult } from './measure-paths.ts';
import { measurePaths } from './measure-paths.ts';
import type { PhaseContext } from './phase-context.ts';
import { portkeyTarget, startPortkeyGateway } from './portkey-gateway.ts';
import { registerInstantPool } from './spillway-setup.ts';
import { startEdgeHost } from './start-edge-host.ts';
import { generateTarget, spillwayTarget } from './targets.ts';

/** The paths in Miniflare (workerd), as `npm start` runs the edge, and the Portkey peer. */
export interface MiniflareResults {
  readonly bare: PathResult | null;
  readonly spillway: PathResult | null;
  readonly direct: PathResult | null;
  /** The Portkey gateway (Node) in front of the same upstream; null when skipped. */
  readonly portkey: PathResult | null;
}

/**
 * (a) the bare passthrough Worker and (b) Spillway's edge, both started by `startEdgeRuntime`
 * (so with identical runtime settings), each in its own process, (c) the instant pool directly,
 * and (d) unless `portkey` is false, the Portkey gateway routing to the same pool: all driven by
 * the same load generator in alternating rounds.
 */
export async function miniflarePhase(context: PhaseContext, portkey = true): Promise<MiniflareResults> {
  const { pool, cleanup, log } = context;
  log('miniflare: starting the passthrough Worker and Spillway’s edge');
  const bare = await startEdgeHost({
    kind: 'edge-runtime',
    worker: 'passthrough',
    knockouts: [],
    buildFolder: join(context.folder, 'miniflare-bare'),
    secrets: {},
    vars: { UPSTREAM_URL: pool.url },
  });
  const stopBare = cleanup.add(bare.stop);
  const edge = await startEdgeHost({
    kind: 'edge-runtime',
    worker: 'edge',
    knockouts: [],
    buildFolder: join(context.folder, 'miniflare-edge'),
    secrets: { EDGE_SIGNING_KEY: context.credentials.edgeSecretJwk },
    vars: benchEdgeVars,
  });
  const stopEdge = cleanup.add(async () => {
    await pool.stopHeartbeats(edge.url);
    await edge.stop();
  });
  const gateway = portkey ? await startPortkeyGateway() : null;
  const stopGateway = gateway ? cleanup.add(gateway.stop) : async () => undefined;
  try {
    const apiKey = await registerInstantPool(edge.url, context.credentials, pool);
    const results = await measurePaths(
      [
        generateTarget('direct', pool.url, pool.pid),
        generateTarget('bare', bare.url, bare.pid),
        spillwayTarget('spillway', edge.url, apiKey, edge.pid),
        ...(gateway ? [portkeyTarget('portkey', gateway.url, pool.url, gateway.pid)] : []),
      ],
      'direct',
      context.settings,
    );
    return {
      bare: results.get('bare') ?? null,
      spillway: results.get('spillway') ?? null,
      direct: results.get('direct') ?? null,
      portkey: results.get('portkey') ?? null,
    };
  } finally {
    await stopGateway();
    await stopEdge();
    await stopBare();
  }
}
