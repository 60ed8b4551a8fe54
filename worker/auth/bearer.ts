/** What an `Authorization` header carries. */
export type BearerCredential =
  | { kind: 'missing' }
  | { kind: 'malformed' }
  | { kind: 'api_key'; key: string }
  | { kind: 'jwt'; token: string };

// Longest credential worth parsing: heartbeats, the largest tokens, are capped at 16 KiB.
const MAX_CREDENTIAL_LENGTH = 16 * 1024;
// The auth scheme is case-insensitive (RFC 7235 §2.1); b64token per RFC 6750 §2.1.
const BEARER = /^bearer +([A-Za-z0-9._~+/-]+=*)$/i;
const API_KEY = /^sk_[A-Za-z0-9_]+$/;
// Three base64url segments; an empty signature (`alg: none`) is not a JWT we accept.
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Sorts an `Authorization` header into an API key (`sk_…`), a compact JWT, missing, or
 * malformed. It checks shape only; the caller verifies the credential.
 *
 * @example
 * const credential = classifyBearer(request.headers.get('authorization') ?? undefined);
 * if (credential.kind === 'api_key' && !isWellFormedApiKey(credential.key)) throw new ApiError('invalid_credentials', 'not an API key');
 */
export function classifyBearer(authorizationHeader: string | undefined): BearerCredential {
  const header = authorizationHeader?.trim();
  if (!header) return { kind: 'missing' };
  if (header.length > MAX_CREDENTIAL_LENGTH + 'Bearer '.length) return { kind: 'malformed' };
  const credential = BEARER.exec(header)?.[1];
  if (!credential) return { kind: 'malformed' };
  if (credential.startsWith('sk_')) {
    return API_KEY.test(credential) ? { kind: 'api_key', key: credential } : { kind: 'malformed' };
  }
  if (COMPACT_JWT.test(credential)) return { kind: 'jwt', token: credential };
  return { kind: 'malformed' };
}
