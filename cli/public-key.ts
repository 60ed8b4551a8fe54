import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { publicJwkSchema } from '../shared/index.ts';
import { usageError } from './errors.ts';

/** The public JWK the edge registers for a gpu-node pool's heartbeats. */
export type PoolPublicJwk = ReturnType<typeof publicJwkSchema.parse>;

/**
 * Reads a pool's heartbeat key from a file: a PEM public key, or a JWK (JSON). A private key
 * (the PEM gpu-node is given, or a JWK with `d`) is accepted too and only its public half is
 * returned, so the private part never leaves this process.
 */
export async function readPoolPublicKey(path: string): Promise<PoolPublicJwk> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read --public-key ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const key = keyFrom(text.trim(), path);
  const jwk = key.export({ format: 'jwk' });
  const parsed = publicJwkSchema.safeParse(jwk);
  if (!parsed.success)
    throw usageError(
      `--public-key ${path}: the edge accepts Ed25519 or P-256 keys, not ${key.asymmetricKeyType}`,
    );
  return parsed.data;
}

function keyFrom(text: string, path: string): KeyObject {
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      return createPublicKey({ key: jwk, format: 'jwk' });
    }
    // createPublicKey also derives the public half of a private PEM.
    return createPublicKey(text);
  } catch {
    throw usageError(`--public-key ${path} is neither a PEM key nor a JWK`);
  }
}
