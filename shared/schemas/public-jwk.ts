import { z } from 'zod';

const NOT_PRIVATE = { message: 'a public key must not contain the private part "d"' };

/** A public JWK (never a private one: `d` is refused): Ed25519 or P-256, as pools sign heartbeats. */
export const publicJwkSchema = z
  .object({
    kty: z.enum(['OKP', 'EC']),
    crv: z.enum(['Ed25519', 'P-256']),
    x: z.string(),
    y: z.string().optional(),
  })
  .passthrough()
  .refine((jwk) => !('d' in jwk), NOT_PRIVATE);

/** Shortest RSA modulus accepted (NIST SP 800-57: 2048 bits); a 2048-bit `n` is 342 base64url characters. */
const MIN_RSA_MODULUS_CHARACTERS = Math.ceil((2048 / 8) * (4 / 3));

/** An RSA public JWK of at least 2048 bits, as identity providers publish for RS256. */
const rsaPublicJwkSchema = z
  .object({
    kty: z.literal('RSA'),
    n: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'expected base64url')
      .min(MIN_RSA_MODULUS_CHARACTERS, 'RSA keys must be at least 2048 bits'),
    e: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url'),
  })
  .passthrough()
  .refine((jwk) => !('d' in jwk), NOT_PRIVATE);

/**
 * One key of a tenant's app-token JWKS: what its identity provider signs app users' tokens with
 * (ES256, EdDSA or RS256, the algorithms the edge verifies), named by a `kid`. Extra members
 * identity providers publish (`use`, `alg`, `x5c`, `x5t`) are kept.
 */
export const appTokenJwkSchema = z
  .discriminatedUnion('kty', [publicJwkSchema, rsaPublicJwkSchema])
  .and(z.object({ kid: z.string().min(1).max(128) }));
