import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPoolPublicKey } from '../../cli/public-key.ts';

const folder = mkdtempSync(join(tmpdir(), 'spillway-cli-keys-'));
function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

describe('pools add --public-key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const expected = publicKey.export({ format: 'jwk' });

  it('public-key: a PEM public key, a public JWK and the private PEM gpu-node holds all give the public JWK', async () => {
    const sources = [
      file('pub.pem', String(publicKey.export({ format: 'pem', type: 'spki' }))),
      file('pub.jwk', JSON.stringify(expected)),
      file('pool.key.pem', String(privateKey.export({ format: 'pem', type: 'pkcs8' }))),
      file('priv.jwk', JSON.stringify(privateKey.export({ format: 'jwk' }))),
    ];
    for (const source of sources) {
      const jwk = await readPoolPublicKey(source);
      expect(jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expected.x });
      expect(jwk).not.toHaveProperty('d');
    }
  });

  it('public-key: refuses key types the edge does not accept, junk and missing files', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    await expect(
      readPoolPublicKey(file('rsa.pem', String(rsa.export({ format: 'pem', type: 'spki' })))),
    ).rejects.toThrow(/Ed25519 or P-256/);
    await expect(readPoolPublicKey(file('junk.pem', 'hello'))).rejects.toThrow(/neither a PEM key nor a JWK/);
    await expect(readPoolPublicKey(join(folder, 'missing.pem'))).rejects.toThrow(/ENOENT/);
  });
});
