import { afterEach, describe, expect, it, vi } from 'vitest';
import { edgeVarNames } from '../config.ts';
import { credentialsRefRefusal, ProviderCredentials } from './provider-credentials.ts';

const master = 'a-master-secret-of-at-least-32-characters!';
/** What the edge's own secrets hold here: none of it may leave through a provider's reference. */
const edgeSecrets: Record<string, string> = {
  EDGE_SIGNING_KEY: '{"kty":"OKP","crv":"Ed25519","d":"private-part","x":"public-part"}',
  EDGE_SIGNING_KEY_PREVIOUS: '{"kty":"OKP","d":"previous-private-part"}',
  PROVIDER_CREDENTIALS_KEY: 'the-master-secret-of-the-sealed-provider-keys',
  DEFAULT_MODEL: 'spillway-tiny',
  OPENAI_KEY: 'sk-openai-provider-key',
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('provider credentials: credentials_ref', () => {
  it.each(['EDGE_SIGNING_KEY', 'EDGE_SIGNING_KEY_PREVIOUS', 'PROVIDER_CREDENTIALS_KEY', 'FLEET'])(
    "a reference to one of the edge's own secrets (%s) is refused before it is read",
    async (name) => {
      const read = vi.fn((secret: string) => edgeSecrets[secret]);
      const credentials = new ProviderCredentials(master, read);
      vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const answer = credentials.credentialFor({ providerId: 'evil', sealed: null, secretName: name });
      await expect(answer).rejects.toThrow(new RegExp(`${name}, one of the edge's own`));
      expect(read).not.toHaveBeenCalled();
    },
  );

  it("a provider's own secret is read, whatever its name", async () => {
    const credentials = new ProviderCredentials(master, (name) => edgeSecrets[name]);
    expect(
      await credentials.credentialFor({ providerId: 'openai', sealed: null, secretName: 'OPENAI_KEY' }),
    ).toBe('sk-openai-provider-key');
  });

  it('a secret that is not set is logged once per provider, by name, never a value', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const credentials = new ProviderCredentials(master, (name) => edgeSecrets[name]);
    for (let i = 0; i < 3; i += 1) {
      await expect(
        credentials.credentialFor({ providerId: 'fal', sealed: null, secretName: 'FAL_KEY' }),
      ).rejects.toThrow(/FAL_KEY, which is not set/);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    await expect(
      credentials.credentialFor({ providerId: 'evil', sealed: null, secretName: 'EDGE_SIGNING_KEY' }),
    ).rejects.toThrow();
    expect(warn).toHaveBeenCalledTimes(2);
    const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ level: 'warn', provider: 'fal', secret_name: 'FAL_KEY' });
    expect(lines[1]).toMatchObject({ level: 'warn', provider: 'evil', secret_name: 'EDGE_SIGNING_KEY' });
    const logged = JSON.stringify(warn.mock.calls);
    for (const value of Object.values(edgeSecrets)) expect(logged).not.toContain(value);
  });

  it("the rule: any name but the edge's own secrets, bindings and vars", () => {
    for (const name of [
      'OPENAI_KEY',
      'FAL_KEY',
      'RUNPOD_TOKEN',
      'REPLICATE_API_TOKEN',
      'PROVIDER_OPENAI_KEY',
    ]) {
      expect([name, credentialsRefRefusal(name)]).toEqual([name, null]);
    }
    for (const name of [
      'EDGE_SIGNING_KEY',
      'EDGE_SIGNING_KEY_PREVIOUS',
      'EDGE_SIGNING_KEY_NEXT',
      'PROVIDER_CREDENTIALS_KEY',
      'PROVIDER_CREDENTIALS_KEY_OLD',
      'FLEET',
      'RESULTS',
      'JOB_QUEUE',
      'DEFAULT_MODEL',
      'PUBLIC_ORIGIN',
      // Every var the config reads, settings included, as `parseEdgeConfig` lists them.
      ...edgeVarNames,
    ]) {
      expect(credentialsRefRefusal(name)).toMatch(new RegExp(`${name} is reserved`));
    }
    expect(edgeVarNames).toEqual(expect.arrayContaining(['TIER_LIMITS', 'JOB_WATCHDOG_MS', 'LOG_LEVEL']));
  });
});
