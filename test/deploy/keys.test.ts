import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeKey, mintOperatorTokenWith, publicJwksOf } from '../../scripts/security/deploy-keys.ts';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';

const root = join(import.meta.dirname, '../..');
let folder = '';

/** Runs `node scripts/security/deploy-keys.ts …` as an operator would, and returns its stdout. */
async function keys(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(root, 'scripts/security/deploy-keys.ts'), ...args],
    {
      cwd: folder,
    },
  );
  return stdout;
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'spillway-keys-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('scripts/security/deploy-keys.ts', () => {
  it('edge-key: prints a private Ed25519 JWK with the kid, fresh each time', async () => {
    const first = JSON.parse(await keys('edge-key', '--kid', 'edge-2026-12')) as JWK;
    const second = JSON.parse(await keys('edge-key', '--kid', 'edge-2026-12')) as JWK;
    expect(first).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: 'edge-2026-12', alg: 'EdDSA' });
    expect(typeof first.d).toBe('string');
    expect(second.d).not.toBe(first.d);
    expect(createPrivateKey({ key: first, format: 'jwk' }).asymmetricKeyType).toBe('ed25519');
  });

  it('public-jwks: lists the public half of each key, current first, without "d"', async () => {
    const current = createEdgeKey('edge-new');
    const previous = createEdgeKey('edge-old');
    await writeFile(join(folder, 'new.jwk.json'), JSON.stringify(current));
    await writeFile(join(folder, 'old.jwk.json'), JSON.stringify(previous));
    const jwks = JSON.parse(await keys('public-jwks', 'new.jwk.json', 'old.jwk.json')) as { keys: JWK[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual(['edge-new', 'edge-old']);
    expect(JSON.stringify(jwks)).not.toContain(String(current.d));
    expect(JSON.stringify(jwks)).not.toContain(String(previous.d));
    expect(() => publicJwksOf([{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }])).toThrow(/kid/);
  });

  it('operator-token: mints a token the edge’s rules accept (typ, iss, aud, kid, lifetime)', async () => {
    const edgeKey = createEdgeKey('edge-boot');
    await writeFile(join(folder, 'boot.jwk.json'), JSON.stringify(edgeKey), { mode: 0o600 });
    const token = (await keys('operator-token', '--key', 'boot.jwk.json', '--ttl', '600')).trim();
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(publicJwksOf([edgeKey])), {
      algorithms: ['EdDSA'],
      typ: tokenTypes.operator,
      issuer: edgeIssuer,
      audience: 'spillway-admin',
    });
    expect(protectedHeader.kid).toBe('edge-boot');
    expect(payload).toMatchObject({ sub: 'bootstrap-operator', scope: 'operator' });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(600);
    expect(() => mintOperatorTokenWith(edgeKey, 'x', 13 * 3600)).toThrow(RangeError);
  });

  it('pool-key: writes a 0600 private key and its public PEM, and never overwrites one', async () => {
    const printed = (await keys('pool-key', 'pool-key.pem')).trim().split('\n');
    expect(printed).toEqual(['pool-key.pem', 'pool-key.pub.pem']);
    const mode = (await stat(join(folder, 'pool-key.pem'))).mode & 0o777;
    expect(mode).toBe(0o600);
    const privateKey = createPrivateKey(await readFile(join(folder, 'pool-key.pem'), 'utf8'));
    const publicPem = await readFile(join(folder, 'pool-key.pub.pem'), 'utf8');
    expect(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).toBe(publicPem);
    await expect(keys('pool-key', 'pool-key.pem')).rejects.toThrow(/EEXIST/);
  });
});
