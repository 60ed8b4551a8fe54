import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';

/** A local stand-in for the edge's signing key, kept under `.spillway/keys/` (git-ignored). */
export interface DevEdgeKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPath: string;
}

/** Loads the local edge key, creating an Ed25519 pair on first use. */
export async function loadOrCreateDevEdgeKey(folder: string): Promise<DevEdgeKey> {
  const privatePath = join(folder, 'edge.key.pem');
  const publicKeyPath = join(folder, 'edge.pub.pem');
  try {
    return { privateKey: createPrivateKey(await readFile(privatePath, 'utf8')), publicKeyPath };
  } catch {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await writeFile(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }));
    return { privateKey, publicKeyPath };
  }
}

/** Mints a dispatch token for one pool, as the edge will. */
export function mintDevDispatchToken(key: KeyObject, poolId: string, lifetime = '1h'): Promise<string> {
  return new SignJWT({ scope: 'generate' })
    .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.dispatch })
    .setIssuer(edgeIssuer)
    .setAudience(poolId)
    .setSubject('local-demo')
    .setIssuedAt()
    .setExpirationTime(lifetime)
    .sign(key);
}
