import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appTokenJwkSchema, publicJwkSchema } from './public-jwk.ts';

const rsa = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength });

function issuesOf(value: unknown): string[] {
  const parsed = appTokenJwkSchema.safeParse(value);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('app-token JWKS keys', () => {
  it('takes the RSA keys identity providers publish for RS256, with their extra members', () => {
    const { publicKey } = rsa(2048);
    const published = {
      ...publicKey.export({ format: 'jwk' }),
      kid: 'idp-1',
      use: 'sig',
      alg: 'RS256',
      x5t: 'abc',
    };
    expect(appTokenJwkSchema.parse(published)).toEqual(published);
  });

  it('takes Ed25519 and P-256 keys, as pool keys', () => {
    for (const key of [
      generateKeyPairSync('ed25519').publicKey,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
    ]) {
      expect(issuesOf({ ...key.export({ format: 'jwk' }), kid: 'k' })).toEqual([]);
    }
  });

  it('refuses RSA under 2048 bits, private keys, secrets, other curves and keys without a kid', () => {
    expect(issuesOf({ ...rsa(1024).publicKey.export({ format: 'jwk' }), kid: 'k' })).toEqual([
      'n: RSA keys must be at least 2048 bits',
    ]);
    expect(issuesOf({ ...rsa(2048).privateKey.export({ format: 'jwk' }), kid: 'k' })).toEqual([
      ': a public key must not contain the private part "d"',
    ]);
    expect(issuesOf({ kty: 'oct', k: 'c2VjcmV0', kid: 'k' })).toEqual([
      "kty: Invalid discriminator value. Expected 'OKP' | 'EC' | 'RSA'",
    ]);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    expect(issuesOf({ ...p384, kid: 'k' })[0]).toMatch(/^crv: /);
    expect(issuesOf(rsa(2048).publicKey.export({ format: 'jwk' }))).toEqual([
      'kid: Invalid input: expected string, received undefined',
    ]);
  });

  it('pool heartbeat keys stay Ed25519 or P-256: no RSA', () => {
    expect(publicJwkSchema.safeParse(rsa(2048).publicKey.export({ format: 'jwk' })).success).toBe(false);
  });

  it("a key whose coordinates are not its curve's size is refused (it could never verify a heartbeat)", () => {
    const issues = (value: unknown) => {
      const parsed = publicJwkSchema.safeParse(value);
      return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
    };
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    expect(issues(ed)).toEqual([]);
    expect(issues(ec)).toEqual([]);
    expect(issues({ ...ed, x: 'short' })).toEqual(['x']);
    expect(issues({ ...ec, x: 'a', y: 'b' })).toEqual(['x', 'y']);
    expect(issues({ ...ec, y: undefined })).toEqual(['y']);
    expect(issues({ ...ed, crv: 'P-256' })).toEqual(['crv']);
    expect(issues({ ...ed, x: `${String(ed.x).slice(0, 42)}+` })).toEqual(['x']);
  });
});
