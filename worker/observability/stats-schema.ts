import { z } from '@hono/zod-openapi';

const count = z.number().int().nonnegative();

/** `GET /v1/admin/stats`' body (contract 2 of issue 16), as the reference documents it. */
export const adminStatsSchema = z
  .object({
    window_s: z.number().int().positive().describe('Seconds the counts cover, ending now.'),
    generated_at: z.number().int().describe('Epoch ms.'),
    requests_by_tier: z
      .record(z.string(), z.object({ requests: count, ok: count, shed: count, errors: count }))
      .describe('Generations and job submissions by the tenant’s tier; shed = rate_limited or no_capacity.'),
    errors_by_type: z.record(z.string(), count).describe('By error envelope code, job dispatches included.'),
    routing: z
      .array(z.object({ pool_id: z.string(), provider_id: z.string(), requests: count, hedged: count }))
      .describe('Dispatches (sync and job) by the pool that answered or was tried last.'),
    latency_ms: z
      .object({ p50: z.number().nullable(), p99: z.number().nullable() })
      .describe('Generations and job dispatches; within 10% (log-scale bins).'),
    recent_errors: z
      .array(
        z.object({
          at: z.number().int(),
          request_id: z.string(),
          code: z.string(),
          status: z.number().int(),
          pool_id: z.string().nullable(),
        }),
      )
      .describe('Newest first, at most 20.'),
  })
  .openapi('AdminStats');
