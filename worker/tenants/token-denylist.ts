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

/** Adds a token to the deny list until `expiresAt` (epoch ms); expired entries are dropped. */
export function denyToken(sql: SqlStorage, jti: string, expiresAt: number, now: number): void {
  sql.exec('DELETE FROM revoked_tokens WHERE expires_at <= ?', now);
  sql.exec(
    `INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
     ON CONFLICT (jti) DO UPDATE SET expires_at = MAX(expires_at, excluded.expires_at)`,
    jti,
    expiresAt,
  );
}

/** Whether the token with this `jti` is revoked at `now`. */
export function isTokenDenied(sql: SqlStorage, jti: string, now: number): boolean {
  return (
    sql.exec('SELECT 1 FROM revoked_tokens WHERE jti = ? AND expires_at > ?', jti, now).toArray().length > 0
  );
}
