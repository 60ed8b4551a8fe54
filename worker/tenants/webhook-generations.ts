/**
 * Which webhook secrets a tenant has: generation numbers only. The secrets themselves are
 * derived from the edge key and the generation (`auth/webhook-signature.ts`), so nothing secret is
 * stored. Generation 0 is every tenant's first secret.
 */
export interface WebhookGenerations {
  /** The generation new deliveries are signed with first, and `GET /v1/webhooks/secret` shows. */
  readonly current: number;
  /** Rotated-out generations still valid until `retiresAt` (epoch ms), newest first. */
  readonly previous: readonly { readonly generation: number; readonly retiresAt: number }[];
}

/** The table of rotated generations; a tenant with no row is on generation 0. */
export const webhookGenerationsSchema = `
CREATE TABLE IF NOT EXISTS webhook_secrets (
  tenant_id TEXT NOT NULL,
  generation INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  retires_at INTEGER,
  PRIMARY KEY (tenant_id, generation)
);
`;

interface GenerationRow extends Record<string, SqlStorageValue> {
  generation: number;
  retires_at: number | null;
}

/** The tenant's current generation and the previous ones still valid at `now`. */
export function readWebhookGenerations(sql: SqlStorage, tenantId: string, now: number): WebhookGenerations {
  const rows = sql
    .exec<GenerationRow>(
      `SELECT generation, retires_at FROM webhook_secrets
       WHERE tenant_id = ? AND (retires_at IS NULL OR retires_at > ?) ORDER BY generation DESC`,
      tenantId,
      now,
    )
    .toArray();
  const current = rows.find((row) => row.retires_at === null)?.generation ?? 0;
  const previous = rows.flatMap((row) =>
    row.retires_at === null ? [] : [{ generation: row.generation, retiresAt: row.retires_at }],
  );
  return { current, previous };
}

/**
 * Starts a new generation; the one it replaces stays valid for `overlapMs` (Standard Webhooks
 * rotation: receivers accept either signature meanwhile). Retired rows are dropped.
 */
export function rotateWebhookGeneration(
  sql: SqlStorage,
  tenantId: string,
  now: number,
  overlapMs: number,
): WebhookGenerations {
  const { current } = readWebhookGenerations(sql, tenantId, now);
  sql.exec('DELETE FROM webhook_secrets WHERE tenant_id = ? AND retires_at <= ?', tenantId, now);
  sql.exec(
    `INSERT INTO webhook_secrets (tenant_id, generation, created_at, retires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (tenant_id, generation) DO UPDATE SET retires_at = excluded.retires_at`,
    tenantId,
    current,
    now,
    now + overlapMs,
  );
  sql.exec(
    'INSERT INTO webhook_secrets (tenant_id, generation, created_at, retires_at) VALUES (?, ?, ?, NULL)',
    tenantId,
    current + 1,
    now,
  );
  return readWebhookGenerations(sql, tenantId, now);
}
