import { z } from 'zod';
import { appTokenJwkSchema, publicJwkSchema } from './public-jwk.ts';

/** Longest app-token issuer a tenant may register; the edge looks up no longer `iss`. */
export const MAX_ISSUER_LENGTH = 256;

/** Ids of providers, pools and tenants: short, URL-safe. */
export const resourceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'ids are 1-63 of [a-z0-9_.-]');

/**
 * Characters that break log lines or make one name display as another: C0 and C1 controls (NUL
 * included); the bidi embeddings, overrides and isolates, and the marks that reorder text like them
 * (LRM, RLM, ALM); the line and paragraph separators; and the invisible ones: soft hyphen,
 * combining grapheme joiner, Mongolian vowel separator, zero-width space, word joiner and invisible
 * operators, Hangul fillers, interlinear annotation marks, BOM, and the tag characters (which
 * carry hidden ASCII). ZWNJ and ZWJ (U+200C, U+200D) and variation selectors stay: Persian and
 * Indic names and emoji sequences need them.
 */
const UNSAFE_NAME_CHARACTERS =
  /[\p{Cc}\u00AD\u061C\u115F\u1160\u180E\u200B\u200E\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\u3164\uFEFF\uFFA0\uFFF9-\uFFFB\u{E0000}-\u{E007F}]|\u034F/u;

/** What a refused name is told. */
const UNSAFE_NAME_MESSAGE =
  'must not contain control characters, bidirectional overrides or marks (U+200E, U+200F, U+061C, ' +
  'U+202A-U+202E, U+2066-U+2069), line separators or invisible characters';

/**
 * A name: one that identifies something (region, model, key name) or is shown to people (provider,
 * tenant). Display names are checked where they are written, not where stored records are read,
 * so a name stored before the check still reads back.
 */
function safeName(maxLength: number) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .refine((value) => !UNSAFE_NAME_CHARACTERS.test(value), { message: UNSAFE_NAME_MESSAGE });
}

/** Tenant tiers; each maps to a scheduling priority and quota. */
export const tiers = ['free', 'paid', 'enterprise'] as const;
/** One of {@link tiers}. */
export type Tier = (typeof tiers)[number];

/**
 * Pool protocols the edge speaks (one adapter each in `backends/`): Spillway's own `gpu-node`,
 * KServe v2 / Triton servers, any OpenAI Images API, Replicate and fal.
 */
export const providerProtocols = ['gpu-node', 'kserve', 'openai-compatible', 'replicate', 'fal'] as const;
/** One of {@link providerProtocols}. */
export type ProviderProtocol = (typeof providerProtocols)[number];

/** Longest provider API key the edge stores. */
export const MAX_PROVIDER_API_KEY_LENGTH = 4_096;

/**
 * A provider's `credentials_ref`: the name of a Worker secret, never the credential itself. The
 * edge also refuses the names of its own secrets, bindings and vars (`credentialsRefRefusal` in
 * `worker/auth/provider-credentials.ts`).
 */
const credentialsRefSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be a Worker secret name: 1-64 of [A-Z0-9_], starting with a letter');

/**
 * A provider as the registry stores it. `POST /v1/admin/providers` (which creates or updates: there
 * is no PUT) takes {@link providerUpsertSchema}.
 */
export const providerInputSchema = z.object({
  id: resourceIdSchema,
  name: z.string().min(1).max(128),
  protocol: z.enum(providerProtocols).default('gpu-node'),
  credentials: z
    .strictObject({ api_key: z.string().min(1).max(MAX_PROVIDER_API_KEY_LENGTH) })
    .nullable()
    .optional()
    .describe(
      'Write-only: stored encrypted, sent to the provider as its protocol expects, never returned ' +
        '(reads show "set" or null). Omitted keeps the stored one; null removes it.',
    ),
  /** Name of the Worker secret holding this provider's credentials; never the credential itself. */
  credentials_ref: credentialsRefSchema.nullable().default(null),
});

/**
 * `POST /v1/admin/providers`: creates or updates a provider. As with `credentials`, a
 * `credentials_ref` left out keeps the stored one and `null` removes it; the two may not be given
 * together (the route refuses it). A `protocol` left out keeps the stored one (a new provider's is
 * `gpu-node`), so renaming a provider never changes how the edge talks to its pools.
 */
export const providerUpsertSchema = providerInputSchema.extend({
  name: safeName(128),
  protocol: z
    .enum(providerProtocols)
    .optional()
    .describe('Omitted keeps the stored protocol; `gpu-node` for a new provider.'),
  credentials_ref: credentialsRefSchema
    .nullable()
    .optional()
    .describe(
      "Name of the Worker secret holding the provider's API key (e.g. OPENAI_KEY), never the key; " +
        "not one of the edge's own (EDGE_*, PROVIDER_CREDENTIALS_*, its bindings and vars). Omitted " +
        'keeps the stored one; null removes it. Not together with `credentials`.',
    ),
});

/**
 * Settings only the pool's adapter reads: the provider's own model name (OpenAI or Triton model,
 * Replicate version) and, for KServe v2 servers, the tensors requests and images travel in.
 */
export const poolUpstreamSchema = z.strictObject({
  model: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe("The provider's model name (default: the request's)."),
  version: z.string().min(1).max(128).optional().describe('KServe model version; Replicate version id.'),
  prompt_tensor: z.string().min(1).max(128).optional().describe('KServe: BYTES input holding the prompt.'),
  image_tensor: z.string().min(1).max(128).optional().describe('KServe: output holding the images.'),
  metrics_url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe("KServe: the server's Prometheus metrics (Triton: port 8002, `/metrics`)."),
});

/** `POST /v1/admin/pools`: creates or updates a pool (there is no PUT). */
export const poolInputSchema = z.object({
  id: resourceIdSchema,
  provider_id: resourceIdSchema,
  url: z.url({ protocol: /^https?$/ }),
  region: safeName(64),
  models: z
    .array(safeName(128))
    .min(1)
    .refine((models) => new Set(models).size === models.length, {
      message: 'must not list a model twice',
    }),
  capacity: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .describe('Images the pool can run at once, before it reports.'),
  price_per_image: z
    .number()
    .nonnegative()
    .max(1_000)
    .nullable()
    .default(null)
    .describe('USD per image; null for owned (free) capacity. Routing spills to priced pools last.'),
  ms_per_megapixel_step: z
    .number()
    .positive()
    .max(100_000)
    .nullable()
    .default(null)
    .describe(
      'Declared speed of a pool that pushes no telemetry (ms per megapixel-step of work), the prior ' +
        'until the edge has measured it; null: assume the fleet median, with no batching gain.',
    ),
  upstream: poolUpstreamSchema.nullable().default(null),
  public_key: publicJwkSchema
    .optional()
    .describe(
      "gpu-node only, and required there: the pool's heartbeat key; heartbeats are accepted only for " +
        'this pool id. Pools of other protocols push nothing and have none.',
    ),
});

/**
 * Issuer of a tenant's app tokens and its public keys, for mobile and web apps: the keys
 * themselves (`jwks`), or where the issuer publishes them (`jwks_uri`, its OpenID configuration's),
 * which every edge isolate fetches and caches, so an identity provider's key rotation needs no
 * operator.
 */
const appTokensSchema = z
  .object({
    issuer: z.url({ protocol: /^https$/ }).max(MAX_ISSUER_LENGTH),
    audience: z.string().min(1).max(256),
    jwks: z
      .object({
        keys: z.array(appTokenJwkSchema).min(1).max(32),
      })
      .optional()
      .describe('The public keys app tokens are signed with.'),
    jwks_uri: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional()
      .describe(
        'Instead of `jwks`: the https URL of the issuer’s key set (e.g. `https://<tenant>.auth0.com/.well-known/jwks.json`), ' +
          'fetched at registration and then by the edge, cached 10 min, refetched for an unknown `kid`.',
      ),
  })
  .refine((tokens) => (tokens.jwks === undefined) !== (tokens.jwks_uri === undefined), {
    message: 'give the keys (jwks) or where to fetch them (jwks_uri): one of the two',
    path: ['jwks'],
  });

/** Most entries in a tenant's allow-list: routing checks each candidate against it. */
export const MAX_ALLOWED_ENTRIES = 256;
const allowedProvidersSchema = z
  .array(resourceIdSchema)
  .max(MAX_ALLOWED_ENTRIES)
  .describe('Only these providers run its work (at most 256); [] for any.');
const allowedRegionsSchema = z
  .array(safeName(64))
  .max(MAX_ALLOWED_ENTRIES)
  .describe('Only pools in these regions run its work (at most 256); [] for any.');

/** A tenant's settings, as stored and returned: every field present. */
export const tenantSettingsSchema = z.object({
  id: resourceIdSchema,
  name: z.string().min(1).max(128),
  tier: z.enum(tiers),
  allowed_providers: allowedProvidersSchema.default([]),
  allowed_regions: allowedRegionsSchema.default([]),
  app_tokens: appTokensSchema.nullable().default(null),
});

/**
 * `POST /v1/admin/tenants`: creates a tenant (`name` and `tier` required) or updates one. A field
 * left out keeps the tenant's current value, so changing a tier never drops its app tokens or
 * allow-lists; `null` app tokens removes them.
 */
export const tenantInputSchema = z.object({
  id: resourceIdSchema,
  name: safeName(128).optional().describe('Required for a new tenant.'),
  tier: tenantSettingsSchema.shape.tier.optional().describe('Required for a new tenant.'),
  allowed_providers: allowedProvidersSchema.optional(),
  allowed_regions: allowedRegionsSchema.optional(),
  app_tokens: appTokensSchema
    .nullable()
    .optional()
    .describe('Left out: kept as they are; null: the tenant takes no app tokens.'),
});

/** `POST /v1/admin/keys`: mint an API key for a tenant. */
export const apiKeyInputSchema = z.object({
  tenant_id: resourceIdSchema,
  name: safeName(128).default('default'),
});

/** Longest an operator token may live, seconds (the edge refuses longer ones). */
export const MAX_OPERATOR_TOKEN_TTL_S = 12 * 60 * 60;

/** `POST /v1/admin/tokens`: a short-lived operator token, never outliving the caller's own. */
export const operatorTokenInputSchema = z.strictObject({
  subject: safeName(128).optional().describe('Who the token is for (default: the caller).'),
  ttl_seconds: z
    .number()
    .int()
    .min(60)
    .max(MAX_OPERATOR_TOKEN_TTL_S)
    .default(3600)
    .describe('Lifetime; capped at the calling token’s own expiry.'),
});

/** A provider as registered. */
export type ProviderInput = z.infer<typeof providerInputSchema>;
/** A pool's adapter settings. */
export type PoolUpstreamInput = z.infer<typeof poolUpstreamSchema>;
/** A pool as registered. */
export type PoolInput = z.infer<typeof poolInputSchema>;
/** A tenant's settings: create or update input. */
export type TenantInput = z.infer<typeof tenantInputSchema>;
/** A tenant's settings, every field present. */
export type TenantSettings = z.infer<typeof tenantSettingsSchema>;
/** An API key request. */
export type ApiKeyInput = z.infer<typeof apiKeyInputSchema>;
