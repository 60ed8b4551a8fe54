import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { errorEnvelopeSchema } from '../shared/index.ts';
import {
  DEFAULT_MODEL,
  DEFAULT_TELEMETRY_TTL_MS,
  DEFAULT_TIER_OBJECTIVES_MS,
  EdgeConfigError,
  parseEdgeConfig,
} from './config.ts';
import { createEdgeWorker } from './edge-worker.ts';

const secret = '{"kty":"OKP","crv":"Ed25519","d":"private-part","x":"public-part","kid":"k"}';

function configError(vars: Record<string, unknown>): string {
  try {
    parseEdgeConfig(vars);
  } catch (error) {
    if (error instanceof EdgeConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('config', () => {
  it('config: every var has its default when only the signing key is set', () => {
    const config = parseEdgeConfig({ EDGE_SIGNING_KEY: secret });
    expect(config.defaultModel).toBe(DEFAULT_MODEL);
    expect(config.routing.telemetryTtlMs).toBe(DEFAULT_TELEMETRY_TTL_MS);
    expect(config.allowPrivatePoolUrls).toBe(false);
    expect(config.logLevel).toBe('info');
    expect(parseEdgeConfig({ EDGE_SIGNING_KEY: secret, LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(config.jobs).toMatchObject({
      resultRetentionMs: 86_400_000,
      resultUrlTtlSeconds: 3_600,
      allowPrivateWebhooks: false,
    });
    expect(config.environment).toBeNull();
  });

  it('config: tier objectives and the credentials key have defaults and are checked', () => {
    const defaults = parseEdgeConfig({ EDGE_SIGNING_KEY: secret });
    expect(defaults.routing.tierObjectivesMs).toEqual(DEFAULT_TIER_OBJECTIVES_MS);
    expect(defaults.credentialsKey).toBe(secret);
    const set = parseEdgeConfig({
      EDGE_SIGNING_KEY: secret,
      TIER_OBJECTIVES_MS: '{"paid":9000}',
      PROVIDER_CREDENTIALS_KEY: 'c'.repeat(32),
    });
    expect(set.routing.tierObjectivesMs).toEqual({ paid: 9000 });
    expect(set.credentialsKey).toBe('c'.repeat(32));
    expect(parseEdgeConfig({ EDGE_SIGNING_KEY: secret, PROVIDER_CREDENTIALS_KEY: '' }).credentialsKey).toBe(
      secret,
    );
    expect(configError({ EDGE_SIGNING_KEY: secret, TIER_OBJECTIVES_MS: '{"gold":1}' })).toMatch(
      /TIER_OBJECTIVES_MS/,
    );
    expect(configError({ EDGE_SIGNING_KEY: secret, TIER_OBJECTIVES_MS: 'fast' })).toMatch(/must be JSON/);
    const short = configError({ EDGE_SIGNING_KEY: secret, PROVIDER_CREDENTIALS_KEY: 'too-short-secret' });
    expect(short).toMatch(/PROVIDER_CREDENTIALS_KEY must be at least 32/);
    expect(short).not.toContain('too-short-secret');
  });

  it('config: EDGE_SIGNING_KEY_PREVIOUS is optional and joins the keys that still verify', () => {
    const previous = secret.replace('"kid":"k"', '"kid":"k0"');
    const single = parseEdgeConfig({ EDGE_SIGNING_KEY: secret, EDGE_SIGNING_KEY_PREVIOUS: '' });
    expect(single.previousEdgeSigningKey).toBeNull();
    expect(single.edgeSigningKeys).toEqual([secret]);
    expect(single.credentialsKeys).toEqual([secret]);
    const rotating = parseEdgeConfig({ EDGE_SIGNING_KEY: secret, EDGE_SIGNING_KEY_PREVIOUS: previous });
    expect(rotating.edgeSigningKey).toBe(secret);
    expect(rotating.previousEdgeSigningKey).toBe(previous);
    expect(rotating.edgeSigningKeys).toEqual([secret, previous]);
    // Sealing uses the current key; opening also tries the previous one.
    expect(rotating.credentialsKey).toBe(secret);
    expect(rotating.credentialsKeys).toEqual([secret, previous]);
    const message = configError({ EDGE_SIGNING_KEY: secret, EDGE_SIGNING_KEY_PREVIOUS: 1234567 });
    expect(message).toContain('EDGE_SIGNING_KEY_PREVIOUS');
    expect(message).not.toContain('1234567');
  });

  it('config: string vars (wrangler.toml, .dev.vars) and JSON vars (numbers, booleans) parse alike', () => {
    const fromStrings = parseEdgeConfig({
      EDGE_SIGNING_KEY: secret,
      TELEMETRY_TTL_MS: '3000',
      RESULT_RETENTION_S: ' 60 ',
      ALLOW_PRIVATE_POOL_URLS: 'true',
    });
    const fromJson = parseEdgeConfig({
      EDGE_SIGNING_KEY: secret,
      TELEMETRY_TTL_MS: 3000,
      RESULT_RETENTION_S: 60,
      ALLOW_PRIVATE_POOL_URLS: true,
    });
    expect(fromStrings).toEqual(fromJson);
    expect(fromStrings.routing.telemetryTtlMs).toBe(3000);
    expect(fromStrings.jobs.resultRetentionMs).toBe(60_000);
    expect(fromStrings.allowPrivatePoolUrls).toBe(true);
  });

  it('config: a malformed var is refused with its name and value, never turned into NaN or a default', () => {
    for (const [name, value] of [
      ['TELEMETRY_TTL_MS', 'abc'],
      ['TELEMETRY_TTL_MS', '-5'],
      ['TELEMETRY_TTL_MS', '2.5'],
      ['JOB_CLAIM_LEASE_MS', '0'],
      ['ALLOW_PRIVATE_WEBHOOK_URLS', 'yes'],
      ['DEFAULT_MODEL', '  '],
      ['LOG_LEVEL', 'debug'],
    ] as const) {
      const message = configError({ EDGE_SIGNING_KEY: secret, [name]: value });
      expect(message).toContain(name);
      expect(message).toContain(JSON.stringify(value));
    }
  });

  it('config: every bad var is named at once, and the secret is named but never shown', () => {
    const message = configError({ EDGE_SIGNING_KEY: 42, RESULT_URL_TTL_S: 'soon' });
    expect(message).toContain('EDGE_SIGNING_KEY');
    expect(message).toContain('RESULT_URL_TTL_S');
    expect(message).not.toContain('42');
    expect(configError({})).toContain('EDGE_SIGNING_KEY is required');
  });

  it('config: a Worker with a malformed var answers 500 in the envelope and logs the var, not secrets', async () => {
    const worker = createEdgeWorker();
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const broken = { ...env, TELEMETRY_TTL_MS: 'five seconds' };
      const response = await worker.fetch(
        new Request('http://edge.test/healthz'),
        broken,
        createExecutionContext(),
      );
      expect(response.status).toBe(500);
      const body = errorEnvelopeSchema.parse(await response.json());
      expect(body.error.code).toBe('internal_error');
      const logged = log.mock.calls.map((call) => String(call[0])).join('\n');
      expect(logged).toContain('TELEMETRY_TTL_MS');
      expect(logged).not.toContain(env.EDGE_SIGNING_KEY);
    } finally {
      log.mockRestore();
    }
  });
});
