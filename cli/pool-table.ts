import { z } from 'zod';
import {
  listOf,
  type PoolHealth,
  poolHealthValues,
  poolListingSchema,
  providerRecordSchema,
} from '../shared/index.ts';
import { type Columns, formatDuration, NONE, renderTable } from './table.ts';

/** Telemetry older than this marks a pool stale when the edge does not say its health itself. */
export const STALE_AFTER_MS = 5_000;

/** A pool listing; `health` is optional (older edges leave it out), unknown fields are kept. */
export const poolListingEntrySchema = poolListingSchema
  .extend({ health: z.enum(poolHealthValues).optional().catch(undefined) })
  .loose();
/** `GET /v1/admin/pools`. */
export const poolListSchema = listOf(poolListingEntrySchema);
/** `GET /v1/admin/providers`. */
export const providerListSchema = listOf(providerRecordSchema.loose());

/** A listed pool. */
export type PoolListingEntry = z.infer<typeof poolListingEntrySchema>;
/** A listed provider. */
export type ProviderListingEntry = z.infer<typeof providerRecordSchema>;

/**
 * The pool's health: the edge's own verdict when it sends one, else derived from the switches
 * and the age of its telemetry.
 */
export function healthOf(pool: PoolListingEntry, now: number): PoolHealth {
  if (pool.health) return pool.health;
  if (!pool.enabled) return 'disabled';
  if (pool.draining || pool.telemetry?.draining) return 'draining';
  const receivedAt = pool.telemetry_received_at;
  if (receivedAt === null || now - receivedAt > STALE_AFTER_MS) return 'stale';
  return 'healthy';
}

/** One row of `spillway pools list`, as `--json` prints it too. */
export interface PoolRow {
  readonly id: string;
  readonly provider: string;
  readonly region: string;
  readonly protocol: string | null;
  readonly models: readonly string[];
  readonly slots: number | null;
  readonly running: number | null;
  readonly queued: number | null;
  /** Megapixel-steps waiting for a slot. */
  readonly work_queued: number | null;
  /** The pool's median job time (telemetry `p50_job_ms`; `ewma_job_ms` from older pools). */
  readonly job_ms: number | null;
  readonly health: PoolHealth;
  readonly execution_provider: string | null;
  /** USD per image; null for owned capacity. */
  readonly price_per_image: number | null;
  readonly enabled: boolean;
  readonly draining: boolean;
  /** When the edge last accepted telemetry from the pool (epoch ms). */
  readonly telemetry_received_at: number | null;
}

/** The rows of the pool table, in the edge's order. */
export function poolRows(
  pools: readonly PoolListingEntry[],
  providers: readonly ProviderListingEntry[],
  now: number,
): PoolRow[] {
  const protocols = new Map(providers.map((provider) => [provider.id, provider.protocol]));
  return pools.map((pool) => {
    const telemetry = pool.telemetry;
    return {
      id: pool.id,
      provider: pool.provider_id,
      region: pool.region,
      protocol: protocols.get(pool.provider_id) ?? null,
      models: pool.models,
      slots: telemetry?.slots ?? null,
      running: telemetry?.running ?? null,
      queued: telemetry?.queued ?? null,
      work_queued: telemetry?.work?.queued ?? null,
      job_ms: telemetry?.p50_job_ms ?? telemetry?.ewma_job_ms ?? null,
      health: healthOf(pool, now),
      execution_provider: telemetry?.execution_provider ?? null,
      price_per_image: pool.price_per_image,
      enabled: pool.enabled,
      draining: pool.draining,
      telemetry_received_at: pool.telemetry_received_at,
    };
  });
}

const count = (value: number | null) => (value === null ? NONE : String(value));

const poolColumns: Columns<PoolRow> = [
  ['POOL', (row) => row.id],
  ['PROVIDER', (row) => row.provider],
  ['REGION', (row) => row.region],
  ['PROTOCOL', (row) => row.protocol ?? NONE],
  ['MODELS', (row) => row.models.join(',')],
  ['SLOTS', (row) => count(row.slots)],
  ['RUNNING', (row) => count(row.running)],
  ['QUEUED', (row) => count(row.queued)],
  ['WORK QUEUED', (row) => (row.work_queued === null ? NONE : `${row.work_queued.toFixed(1)} MP·st`)],
  ['P50 JOB', (row) => formatDuration(row.job_ms)],
  ['HEALTH', (row) => row.health],
  ['EXEC', (row) => row.execution_provider ?? NONE],
  ['PRICE', (row) => (row.price_per_image === null ? 'owned' : `$${row.price_per_image.toFixed(4)}`)],
];

/** The pool table's lines. */
export function renderPoolTable(rows: readonly PoolRow[]): string[] {
  return renderTable(poolColumns, rows);
}
