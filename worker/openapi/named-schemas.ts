import { extendZodWithOpenApi } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  apiKeyInputSchema,
  edgeGenerationResponseSchema,
  errorEnvelopeSchema,
  generationRequestSchema,
  healthSchema,
  jobResourceSchema,
  jobSubmitRequestSchema,
  listOf,
  mintedApiKeySchema,
  mintedOperatorTokenSchema,
  modelListSchema,
  modelSchema,
  operatorTokenInputSchema,
  poolInputSchema,
  poolListingSchema,
  poolRecordSchema,
  providerRecordSchema,
  providerUpsertSchema,
  publicApiKeySchema,
  telemetryReportSchema,
  tenantInputSchema,
  tenantLimitsInputSchema,
  tenantLimitsRecordSchema,
  tenantRecordSchema,
  webhookRotationSchema,
  webhookSecretSchema,
} from '../../shared/index.ts';

// `.openapi()` below is zod-to-openapi's. Loading @hono/zod-openapi adds it; saying so here keeps
// this module from depending on which module loaded that first (a second call does nothing).
extendZodWithOpenApi(z);

/**
 * A copy of `schema` (checks included) named for `#/components/schemas/`. Copied first because zod
 * gives a schema the prototype's methods when it is built, and `shared/` builds its schemas before
 * @hono/zod-openapi adds `.openapi()`.
 */
function named<Schema extends z.ZodType>(schema: Schema, name: string): Schema {
  return schema.clone().openapi(name);
}

/**
 * A response schema named for `#/components/schemas/`. Fields with a default are always present
 * in a response, so they are listed as required (zod-to-openapi reads every schema as an input,
 * where a default makes a field optional).
 */
function responseSchema<Schema extends z.ZodObject>(schema: Schema, name: string): Schema {
  const required = Object.entries(schema.shape)
    .filter(([, field]) => field._zod.optout !== 'optional')
    .map(([key]) => key);
  return schema.clone().openapi(name, { required });
}

const providerRecord = responseSchema(providerRecordSchema, 'ProviderRecord');
const tenantRecord = responseSchema(tenantRecordSchema, 'TenantRecord');

/**
 * The shared wire schemas, each tagged with the name the reference shows it under. Routes declare
 * and validate with these very objects (a tag copies the schema, checks included), so the body the
 * document shows is the body the route checks. The names live here rather than in `shared/`: a
 * zod `.meta({ id })` there would also turn nested schemas into `$ref`s for every other
 * `z.toJSONSchema` caller (the SDK's tests).
 */
export const schemas = {
  generationRequest: named(generationRequestSchema, 'GenerationRequest'),
  jobSubmitRequest: named(jobSubmitRequestSchema, 'JobSubmitRequest'),
  // Admin bodies refuse unknown fields: a typo (`capacty`, `credential`) must not save a record
  // without the setting the operator meant.
  providerInput: named(providerUpsertSchema.strict(), 'ProviderInput'),
  poolInput: named(poolInputSchema.strict(), 'PoolInput'),
  tenantInput: named(tenantInputSchema.strict(), 'TenantInput'),
  apiKeyInput: named(apiKeyInputSchema.strict(), 'ApiKeyInput'),
  errorEnvelope: responseSchema(errorEnvelopeSchema, 'ErrorEnvelope'),
  generationResponse: responseSchema(edgeGenerationResponseSchema, 'GenerationResponse'),
  jobResource: responseSchema(jobResourceSchema, 'JobResource'),
  health: responseSchema(healthSchema, 'Health'),
  model: responseSchema(modelSchema, 'Model'),
  modelList: responseSchema(modelListSchema, 'ModelList'),
  webhookSecret: responseSchema(webhookSecretSchema, 'WebhookSecret'),
  webhookRotation: named(webhookRotationSchema, 'WebhookRotation'),
  telemetryReport: responseSchema(telemetryReportSchema, 'TelemetryReport'),
  providerRecord,
  providerList: responseSchema(listOf(providerRecord), 'ProviderList'),
  poolRecord: responseSchema(poolRecordSchema, 'PoolRecord'),
  poolList: responseSchema(listOf(poolListingSchema), 'PoolList'),
  tenantRecord,
  tenantList: responseSchema(listOf(tenantRecord), 'TenantList'),
  tenantLimitsInput: named(tenantLimitsInputSchema, 'TenantLimitsInput'),
  tenantLimitsRecord: responseSchema(tenantLimitsRecordSchema, 'TenantLimitsRecord'),
  apiKeyList: responseSchema(listOf(publicApiKeySchema), 'ApiKeyList'),
  mintedApiKey: responseSchema(mintedApiKeySchema, 'MintedApiKey'),
  operatorTokenInput: named(operatorTokenInputSchema, 'OperatorTokenInput'),
  mintedOperatorToken: responseSchema(mintedOperatorTokenSchema, 'MintedOperatorToken'),
};
