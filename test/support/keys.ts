import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';

/** A key pair written to a temp folder as PEM files. */
export interface KeyFiles {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privatePath: string;
  readonly publicPath: string;
}

/** Creates an Ed25519 or P-256 key pair and writes both halves as PEM. */
export function writeKeyPair(kind: 'ed25519' | 'p256', name: string = kind): KeyFiles {
  const folder = mkdtempSync(join(tmpdir(), 'spillway-keys-'));
  const { privateKey, publicKey } =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privatePath = join(folder, `${name}.key.pem`);
  const publicPath = join(folder, `${name}.pub.pem`);
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey, privatePath, publicPath };
}

/** Overrides for a test dispatch token. */
export interface DispatchTokenOptions {
  readonly audience: string;
  readonly issuer?: string;
  readonly typ?: string;
  readonly expiresIn?: string;
  readonly scope?: string;
  readonly alg?: 'EdDSA' | 'ES256';
}

/** Mints a dispatch token the way the edge does. */
export function dispatchToken(key: KeyObject, options: DispatchTokenOptions): Promise<string> {
  return new SignJWT({ scope: options.scope ?? 'generate' })
    .setProtectedHeader({ alg: options.alg ?? 'EdDSA', typ: options.typ ?? tokenTypes.dispatch })
    .setIssuer(options.issuer ?? edgeIssuer)
    .setAudience(options.audience)
    .setSubject('tenant-test')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(key);
}
