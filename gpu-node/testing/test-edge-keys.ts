import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';

/** How long a test dispatch token stays valid; far beyond any test, so no test races expiry. */
const TEST_TOKEN_LIFETIME = '15m';

/** An edge signing key for tests: its public half on disk for `--edge-public-key`. */
export interface TestEdgeKeys {
  /** PEM (SPKI) file of the public key, for the pool's `edgePublicKey` setting. */
  readonly publicKeyPath: string;
  /** Mints a dispatch token the way the edge does, for pool `audience` and tenant `subject`. */
  dispatchToken(claims: { readonly audience: string; readonly subject: string }): Promise<string>;
}

/** A fresh Ed25519 edge key, its public half written to a new temporary folder. */
export async function createTestEdgeKeys(): Promise<TestEdgeKeys> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPath = join(await mkdtemp(join(tmpdir(), 'spillway-test-edge-')), 'edge.pub.pem');
  await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    publicKeyPath,
    dispatchToken: ({ audience, subject }) =>
      new SignJWT({ scope: 'generate' })
        .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.dispatch })
        .setIssuer(edgeIssuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(TEST_TOKEN_LIFETIME)
        .sign(privateKey),
  };
}
