import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { type JWK, SignJWT } from 'jose';
import { edgeIssuer, MAX_OPERATOR_TOKEN_TTL_S, tokenTypes } from '../../shared/index.ts';

// Key material for a deployment (docs/deployment.md). Run with the project's Node 22:
//   npx node scripts/security/deploy-keys.ts edge-key --kid edge-2026-12 > edge-2026-12.jwk.json
// Secrets go to stdout or 0600 files, never to logs.

/** Audience of operator tokens (the edge's `operatorAudience`; the Worker is not imported here). */
const OPERATOR_AUDIENCE = 'spillway-admin';

/** A new edge signing key: the private Ed25519 JWK with `kid` and `alg`, as `EDGE_SIGNING_KEY` holds it. */
export function createEdgeKey(kid: string): JWK {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'EdDSA' };
}

/**
 * The JWKS pools verify dispatch tokens with (`--edge-public-key FILE`): the public half of each
 * private edge JWK given, the current key first. The private part never reaches the output.
 */
export function publicJwksOf(privateJwks: readonly JWK[]): { keys: JWK[] } {
  return {
    keys: privateJwks.map((jwk) => {
      if (typeof jwk.kid !== 'string' || typeof jwk.x !== 'string') {
        throw new Error('each edge key must be a private Ed25519 JWK with "x" and "kid"');
      }
      return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' };
    }),
  };
}

/**
 * An operator token signed with the edge's private JWK: the first one of a deployment (later ones
 * come from `POST /v1/admin/tokens`). At most `MAX_OPERATOR_TOKEN_TTL_S`, which the edge enforces.
 */
export function mintOperatorTokenWith(privateJwk: JWK, subject: string, ttlSeconds: number): Promise<string> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_OPERATOR_TOKEN_TTL_S) {
    throw new RangeError(`--ttl must be 1 to ${MAX_OPERATOR_TOKEN_TTL_S} seconds`);
  }
  if (privateJwk.kty !== 'OKP' || privateJwk.crv !== 'Ed25519' || !privateJwk.d || !privateJwk.kid) {
    throw new Error('--key must be the edge\'s private JWK (Ed25519, with "d" and "kid")');
  }
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'operator' })
    .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.operator, kid: String(privateJwk.kid) })
    .setIssuer(edgeIssuer)
    .setAudience(OPERATOR_AUDIENCE)
    .setSubject(subject)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(createPrivateKey({ key: privateJwk, format: 'jwk' }));
}

/** Writes a pool's heartbeat key pair: `<out>` (private PKCS#8 PEM, 0600) and `<out>.pub.pem`. */
export async function writePoolKey(out: string): Promise<{ privatePath: string; publicPath: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPath = `${out.replace(/\.pem$/, '')}.pub.pem`;
  await writeFile(out, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await writeFile(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privatePath: out, publicPath };
}

async function readJwk(path: string): Promise<JWK> {
  return JSON.parse(await readFile(path === '-' ? '/dev/stdin' : path, 'utf8')) as JWK;
}

/** The `keys` command line. */
export function keysProgram(write: (text: string) => void): Command {
  const program = new Command('deploy-keys').description('Spillway deployment keys (docs/deployment.md)');
  program
    .command('edge-key')
    .description('print a new EDGE_SIGNING_KEY (private Ed25519 JWK) to stdout')
    .requiredOption('--kid <kid>', 'key id, unique per key (e.g. edge-2026-12)')
    .action((options: { kid: string }) => write(`${JSON.stringify(createEdgeKey(options.kid))}\n`));
  program
    .command('public-jwks')
    .description('print the public JWKS of private edge key files (current first) for pools')
    .argument('<files...>', 'private edge JWK files')
    .action(async (files: string[]) => {
      const keys = await Promise.all(files.map(readJwk));
      write(`${JSON.stringify(publicJwksOf(keys), null, 2)}\n`);
    });
  program
    .command('operator-token')
    .description('mint an operator token with the edge private key (the first one of a deployment)')
    .requiredOption('--key <file>', 'the private edge JWK file, or - for stdin')
    .option('--subject <sub>', 'who the token is for', 'bootstrap-operator')
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .action(async (options: { key: string; subject: string; ttl: string }) => {
      write(
        `${await mintOperatorTokenWith(await readJwk(options.key), options.subject, Number(options.ttl))}\n`,
      );
    });
  program
    .command('pool-key')
    .description("write a pool's heartbeat key pair: FILE (private, 0600) and FILE.pub.pem")
    .argument('<file>', 'where the private key goes, e.g. pool-key.pem')
    .action(async (file: string) => {
      const written = await writePoolKey(file);
      write(`${written.privatePath}\n${written.publicPath}\n`);
    });
  return program;
}

if (import.meta.main) {
  try {
    await keysProgram((text) => process.stdout.write(text)).parseAsync(process.argv.slice(2), {
      from: 'user',
    });
  } catch (error) {
    // One line, no stack: these are an operator's mistakes (a bad --ttl, an existing key file).
    process.stderr.write(`deploy-keys: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
