import { join } from 'node:path';
import type { JWK } from 'jose';
import { localEdgeLogLevel } from '../../scripts/local-stack/local-stack.ts';
import {
  createDevPoolKey,
  loadOrCreateDevEdgeKey,
  mintDevOperatorToken,
} from '../../scripts/security/dev-credentials.ts';
import { instantPoolId } from './instant-pool-protocol.ts';

/** Keys every Spillway edge in the bench shares: one edge key, one pool key, one operator token. */
export interface BenchCredentials {
  /** The edge's private JWK JSON (the Worker secret `EDGE_SIGNING_KEY`). */
  readonly edgeSecretJwk: string;
  readonly operatorToken: string;
  readonly poolKeyPath: string;
  readonly poolPublicJwk: JWK;
}

/** Creates throwaway credentials under `folder` (a temp folder the bench deletes). */
export async function createBenchCredentials(folder: string): Promise<BenchCredentials> {
  const keyFolder = join(folder, 'keys');
  const edgeKey = await loadOrCreateDevEdgeKey(join(folder, 'edge.dev.vars'), keyFolder);
  const poolKey = await createDevPoolKey(keyFolder, instantPoolId);
  return {
    edgeSecretJwk: edgeKey.secretJwk,
    operatorToken: await mintDevOperatorToken(edgeKey.privateKey),
    poolKeyPath: poolKey.path,
    poolPublicJwk: poolKey.publicJwk,
  };
}

/** Vars every Spillway edge in the bench runs with (Miniflare bindings or wrangler `[vars]`), as `npm start`'s. */
export const benchEdgeVars: Readonly<Record<string, string>> = {
  TELEMETRY_TTL_MS: '5000',
  DEFAULT_MODEL: 'spillway-tiny',
  ALLOW_PRIVATE_POOL_URLS: 'true',
  LOG_LEVEL: localEdgeLogLevel(),
};
