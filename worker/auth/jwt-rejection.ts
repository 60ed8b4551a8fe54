import { errors } from 'jose';

/**
 * Why a JWT was refused. Reasons are for logs and metrics; the wire answer stays a plain 401.
 */
export type JwtRejection =
  | 'oversized'
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_type'
  | 'wrong_issuer'
  | 'wrong_subject'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_claim'
  | 'invalid_claims'
  | 'invalid';

/** Maps what jose throws while verifying to a {@link JwtRejection}. */
export function rejectionFromJoseError(error: unknown): JwtRejection {
  // JWTExpired covers both `exp` and `maxTokenAge` (an `iat` too far in the past).
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'missing_claim';
    switch (error.claim) {
      case 'typ':
        return 'wrong_type';
      case 'iss':
        return 'wrong_issuer';
      case 'sub':
        return 'wrong_subject';
      case 'aud':
        return 'wrong_audience';
      case 'nbf':
      case 'iat':
        return error.reason === 'check_failed' ? 'not_yet_valid' : 'invalid_claims';
      default:
        return 'invalid_claims';
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return 'algorithm_not_allowed';
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  return 'invalid';
}

/** Whether a compact token is longer than `maxBytes`; checked before any parsing. */
export function isOversized(token: string, maxBytes: number): boolean {
  // A compact JWS is ASCII, so characters are bytes; anything else fails parsing later.
  return token.length > maxBytes;
}
