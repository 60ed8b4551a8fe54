import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JWK, SignJWT } from 'jose';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';

/**
 * Local stand-ins for production secrets, kept git-ignored: the edge signing key (as the Worker
 * secret EDGE_SIGNING_KEY in `.dev.vars`, and its public half for gpu-node) and pool keys.
 */
export interface DevEdgeKey {
  readonly privateKey: KeyObject;
  /** The private JWK JSON, as the Worker secret holds it. */
  readonly secretJwk: string;
  /** Public JWK file gpu-node verifies dispatch tokens with. */
  readonly publicKeyPath: string;
}

const EDGE_KEY_ID = 'edge-local';

/** Loads the local edge key from `.dev.vars`, creating an Ed25519 key on first use. */
export async function loadOrCreateDevEdgeKey(devVarsPath: string, keyFolder: string): Promise<DevEdgeKey> {
  await mkdir(keyFolder, { recursive: true, mode: 0o700 });
  const publicKeyPath = join(keyFolder, 'edge.public.jwk.json');
  let secretJwk = await readSecret(devVarsPath);
  if (!secretJwk) {
    const { privateKey } = generateKeyPairSync('ed25519');
    secretJwk = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: EDGE_KEY_ID, alg: 'EdDSA' });
    await writeFile(devVarsPath, `EDGE_SIGNING_KEY='${secretJwk}'\n`, { mode: 0o600 });
  }
  const jwk = JSON.parse(secretJwk) as JWK & { kty: string };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const { d: _private, ...publicJwk } = jwk;
  await writeFile(publicKeyPath, `${JSON.stringify(publicJwk)}\n`);
  return { privateKey, secretJwk, publicKeyPath };
}

async function readSecret(devVarsPath: string): Promise<string | null> {
  try {
    const match = /^EDGE_SIGNING_KEY='(.+)'$/m.exec(await readFile(devVarsPath, 'utf8'));
    return match?.[1] ?? null;
  } catch {
    return null;
  }
}

/** A pool's heartbeat key: the private key's file, and the public JWK the edge registers. */
export interface DevPoolKey {
  readonly path: string;
  readonly publicJwk: JWK;
}

/** Creates a pool key pair; returns the private key path and the public JWK for registration. */
export async function createDevPoolKey(keyFolder: string, poolId: string): Promise<DevPoolKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const path = poolKeyPath(keyFolder, poolId);
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { path, publicJwk: publicKey.export({ format: 'jwk' }) as JWK };
}

/**
 * Loads the pool's key kept from an earlier start, creating it on first use. The edge's persisted
 * registry holds the public half: a pool that came back with a new key would have its heartbeats
 * refused (`bad_signature`) until it is registered again.
 */
export async function loadOrCreateDevPoolKey(keyFolder: string, poolId: string): Promise<DevPoolKey> {
  const path = poolKeyPath(keyFolder, poolId);
  const pem = await readFile(path, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  });
  if (pem === null) return createDevPoolKey(keyFolder, poolId);
  const publicKey = createPublicKey(createPrivateKey(pem));
  return { path, publicJwk: publicKey.export({ format: 'jwk' }) as JWK };
}

function poolKeyPath(keyFolder: string, poolId: string): string {
  return join(keyFolder, `${poolId}.key.pem`);
}

/** Mints an operator token for the admin API, as an operator's tooling would. */
export function mintDevOperatorToken(key: KeyObject, lifetime = '12h'): Promise<string> {
  return new SignJWT({ scope: 'operator' })
    .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator, kid: EDGE_KEY_ID })
    .setIssuer(edgeIssuer)
    .setAudience('spillway-admin')
    .setSubject('local-operator')
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(lifetime)
    .sign(key);
}
