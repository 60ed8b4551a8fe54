import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeRuntime, startEdgeRuntime } from '../../scripts/local-stack/edge-runtime.ts';
import { createEdgeKey, mintOperatorTokenWith } from '../../scripts/security/deploy-keys.ts';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { generate } from '../support/pool-client.ts';

// An EDGE_SIGNING_KEY rotation across real parts: the edge in workerd with both keys set, and a
// real gpu-node that knows the edge only by its JWKS URL (`--edge-jwks-url`), as docs/deployment.md
// tells operators to run it. Dispatch tokens signed by either key must be accepted by the pool.

const oldKey = JSON.stringify(createEdgeKey('edge-old'));
const newKey = JSON.stringify(createEdgeKey('edge-new'));
const POOL_ID = 'rotation-pool';
let folder = '';
let edge: EdgeRuntime | null = null;
let pool: GpuNodeProcess | null = null;

/** A dispatch token as the edge signs one (`worker/auth/dispatch-token.ts`): EdDSA, its key's kid. */
function dispatchToken(secret: string): Promise<string> {
  const jwk = JSON.parse(secret) as JWK;
  return new SignJWT({ scope: 'generate' })
    .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.dispatch, kid: String(jwk.kid) })
    .setIssuer(edgeIssuer)
    .setAudience(POOL_ID)
    .setSubject('acme')
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(createPrivateKey({ key: jwk, format: 'jwk' }));
}

function startEdge(secrets: Record<string, string>): Promise<EdgeRuntime> {
  return startEdgeRuntime({
    port: 0,
    buildFolder: join(folder, 'edge-build'),
    persistFolder: null,
    secrets,
    vars: { DEFAULT_MODEL: 'spillway-tiny' },
  });
}

async function mintVia(edgeUrl: string, token: string): Promise<number> {
  const response = await fetch(`${edgeUrl}/v1/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ttl_seconds: 60 }),
  });
  await response.body?.cancel();
  return response.status;
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'spillway-rotation-'));
  edge = await startEdge({ EDGE_SIGNING_KEY: newKey, EDGE_SIGNING_KEY_PREVIOUS: oldKey });
  pool = await startGpuNode([
    '--pool-id',
    POOL_ID,
    '--edge-jwks-url',
    `${edge.url}/.well-known/jwks.json`,
    '--model-dir',
    join(folder, 'models'),
  ]);
}, 180_000);

afterAll(async () => {
  await pool?.kill();
  await edge?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('EDGE_SIGNING_KEY rotation, edge and gpu-node', () => {
  it('rotation e2e: a pool on --edge-jwks-url accepts dispatch tokens of both keys, not of another', async () => {
    const url = pool?.url ?? '';
    const body = { prompt: 'rotation', seed: 1, size: '64x64', steps: 2 };
    for (const secret of [newKey, oldKey]) {
      const answer = await generate(url, body, { token: await dispatchToken(secret) });
      expect(answer.status, secret === newKey ? 'new key' : 'previous key').toBe(200);
    }
    const stranger = JSON.stringify(createEdgeKey('edge-old'));
    expect((await generate(url, body, { token: await dispatchToken(stranger) })).status).toBe(401);
  });

  it('rotation e2e: the edge takes an old-key operator token while the previous key is set, not after', async () => {
    const token = await mintOperatorTokenWith(JSON.parse(oldKey), 'ops@rotation', 600);
    expect(await mintVia(edge?.url ?? '', token)).toBe(201);
    await edge?.stop();
    edge = await startEdge({ EDGE_SIGNING_KEY: newKey });
    expect(await mintVia(edge.url, token)).toBe(401);
    const jwks = (await (await fetch(`${edge.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(jwks.keys.map((key) => key.kid)).toEqual(['edge-new']);
  });
});
