import { z } from 'zod';

const NOT_PRIVATE = { message: 'a public key must not contain the private part "d"' };

const base64url = /^[A-Za-z0-9_-]+$/;

/** A 32-byte coordinate (Ed25519's x, P-256's x and y): 43 base64url characters, unpadded. */
const coordinate = z
  .string()
  .regex(base64url, 'expected base64url')
  .length(43, 'expected 32 bytes (43 base64url characters)');

const ed25519PublicJwkSchema = z
  .object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: coordinate })
  .passthrough()
  .refine((jwk) => !('d' in jwk), NOT_PRIVATE);

const p256PublicJwkSchema = z
  .object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: coordinate, y: coordinate })
  .passthrough()
  .refine((jwk) => !('d' in jwk), NOT_PRIVATE);

/**
 * A public JWK (never a private one: `d` is refused): Ed25519 or P-256, as pools sign
 * heartbeats, each coordinate its curve's size, so a key that could never verify is refused at
 * registration rather than found out from heartbeats that never count.
 */
export const publicJwkSchema = z.discriminatedUnion('kty', [ed25519PublicJwkSchema, p256PublicJwkSchema]);

/** Shortest RSA modulus accepted (NIST SP 800-57: 2048 bits); a 2048-bit `n` is 342 base64url characters. */
const MIN_RSA_MODULUS_CHARACTERS = Math.ceil((2048 / 8) * (4 / 3));

/** An RSA public JWK of at least 2048 bits, as identity providers publish for RS256. */
const rsaPublicJwkSchema = z
  .object({
    kty: z.literal('RSA'),
    n: z
      .string()
      .regex(base64url, 'expected base64url')
      .min(MIN_RSA_MODULUS_CHARACTERS, 'RSA keys must be at least 2048 bits'),
    e: z.string().regex(base64url, 'expected base64url'),
  })
  .passthrough()
  .refine((jwk) => !('d' in jwk), NOT_PRIVATE);

/**
 * One key of a tenant's app-token JWKS: what its identity provider signs app users' tokens with
 * (ES256, EdDSA or RS256, the algorithms the edge verifies), named by a `kid`. Extra members
 * identity providers publish (`use`, `alg`, `x5c`, `x5t`) are kept.
 */
export const appTokenJwkSchema = z
  .discriminatedUnion('kty', [ed25519PublicJwkSchema, p256PublicJwkSchema, rsaPublicJwkSchema])
  .and(z.object({ kid: z.string().min(1).max(128) }));
