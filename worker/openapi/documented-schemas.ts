import { z } from 'zod';
import {
  apiKeyInputSchema,
  errorEnvelopeSchema,
  generationRequestSchema,
  generationResponseSchema,
  healthSchema,
  jobResourceSchema,
  jobSubmitRequestSchema,
  listOf,
  mintedApiKeySchema,
  modelListSchema,
  poolInputSchema,
  poolListingSchema,
  poolRecordSchema,
  providerInputSchema,
  providerRecordSchema,
  publicApiKeySchema,
  telemetryReportSchema,
  tenantInputSchema,
  tenantRecordSchema,
  webhookSecretSchema,
} from '../../shared/index.ts';

/**
 * Every schema the reference names, with the direction it is read in: `input` for request
 * bodies (defaults optional), `output` for responses (defaults applied).
 */
export const documentedSchemas = {
  GenerationRequest: { schema: generationRequestSchema, io: 'input' },
  JobSubmitRequest: { schema: jobSubmitRequestSchema, io: 'input' },
  ProviderInput: { schema: providerInputSchema, io: 'input' },
  PoolInput: { schema: poolInputSchema, io: 'input' },
  TenantInput: { schema: tenantInputSchema, io: 'input' },
  ApiKeyInput: { schema: apiKeyInputSchema, io: 'input' },
  ErrorEnvelope: { schema: errorEnvelopeSchema, io: 'output' },
  GenerationResponse: { schema: generationResponseSchema, io: 'output' },
  JobResource: { schema: jobResourceSchema, io: 'output' },
  Health: { schema: healthSchema, io: 'output' },
  ModelList: { schema: modelListSchema, io: 'output' },
  WebhookSecret: { schema: webhookSecretSchema, io: 'output' },
  TelemetryReport: { schema: telemetryReportSchema, io: 'output' },
  ProviderRecord: { schema: providerRecordSchema, io: 'output' },
  ProviderList: { schema: listOf(providerRecordSchema), io: 'output' },
  PoolRecord: { schema: poolRecordSchema, io: 'output' },
  PoolList: { schema: listOf(poolListingSchema), io: 'output' },
  TenantRecord: { schema: tenantRecordSchema, io: 'output' },
  TenantList: { schema: listOf(tenantRecordSchema), io: 'output' },
  ApiKeyList: { schema: listOf(publicApiKeySchema), io: 'output' },
  MintedApiKey: { schema: mintedApiKeySchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

/** A name of {@link documentedSchemas}. */
export type SchemaName = keyof typeof documentedSchemas;

/**
 * JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) of every documented schema, named for
 * `#/components/schemas/`. A schema reused inside another becomes a `$ref` to it.
 */
export function componentSchemas(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const io of ['input', 'output'] as const) {
    const registry = z.registry<{ id: string }>();
    for (const [id, entry] of Object.entries(documentedSchemas)) {
      if (entry.io === io) registry.add(entry.schema, { id });
    }
    const generated = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` });
    for (const [id, schema] of Object.entries(generated.schemas)) {
      const { $schema: _dialect, $id: _id, ...rest } = schema;
      schemas[id] = rest;
    }
  }
  return schemas;
}
