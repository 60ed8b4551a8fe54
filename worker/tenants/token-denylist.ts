/**
 * Revoked operator tokens by `jti`, each kept until the token would have expired anyway (at most
 * the longest operator token lifetime after the revocation), so the table stays small.
 */
export const tokenDenylistSchema = `
CREATE TABLE IF NOT EXISTS revoked_tokens (
  jti TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
`;

/**
 * Adds a token to the deny list until `expiresAt` (epoch ms); expired entries are dropped. A `jti`
 * is a UUID, which compares without regard to case (RFC 9562): it is kept in lower case.
 */
export function denyToken(sql: SqlStorage, jti: string, expiresAt: number, now: number): void {
  sql.exec('DELETE FROM revoked_tokens WHERE expires_at <= ?', now);
  sql.exec(
    `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
     ON CONFLICT (jti) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    jti.toLowerCase(),
    expiresAt,
  );
}

/**
 * Whether the token with this `jti` is revoked at `now`, in any case: an entry an older edge kept
 * as given (an upper-case id it took for a revocation) still counts. The table holds revocations
 * only, so the scan that `lower()` costs is small.
 */
export function isTokenDenied(sql: SqlStorage, jti: string, now: number): boolean {
  return (
    sql
      .exec('SELECT 1 FROM revoked_tokens WHERE lower(jti) = ? AND expires_at > ?', jti.toLowerCase(), now)
      .toArray().length > 0
  );
}
