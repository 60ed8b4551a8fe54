import { describe, expect, it } from 'vitest';
import { CredentialUnreadableError, openCredential, sealCredential } from './credential-sealing.ts';
import { ProviderCredentials } from './provider-credentials.ts';

const master = 'a-master-secret-of-at-least-32-characters!';
const apiKey = 'sk-live-0123456789abcdef';

describe('provider credential sealing', () => {
  it('sealing: what is sealed opens for the same provider, and holds nothing readable', async () => {
    const sealed = await sealCredential(master, 'openai', apiKey);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(apiKey);
    expect(sealed).not.toContain(btoa(apiKey).replace(/=+$/, ''));
    expect(await openCredential(master, 'openai', sealed)).toBe(apiKey);
  });

  it('sealing: two seals of one key differ (fresh IV), both open', async () => {
    const [first, second] = await Promise.all([
      sealCredential(master, 'openai', apiKey),
      sealCredential(master, 'openai', apiKey),
    ]);
    expect(first).not.toBe(second);
    expect(await openCredential(master, 'openai', second)).toBe(apiKey);
  });

  it('sealing: a sealed key copied to another provider, another master secret or damaged does not open', async () => {
    const sealed = await sealCredential(master, 'openai', apiKey);
    await expect(openCredential(master, 'fal', sealed)).rejects.toBeInstanceOf(CredentialUnreadableError);
    await expect(openCredential(`${master}-rotated`, 'openai', sealed)).rejects.toBeInstanceOf(
      CredentialUnreadableError,
    );
    // One character inside the ciphertext changed: always other bytes (a changed tail can decode
    // to the same ones).
    const at = sealed.length - 10;
    const damaged = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    const error = await openCredential(master, 'openai', damaged).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CredentialUnreadableError);
    expect(String(error)).not.toContain(apiKey);
    await expect(openCredential(master, 'openai', 'v2.x.y')).rejects.toThrow(/unknown format/);
  });

  it('sealing: a master secret too short to be a key is refused', async () => {
    await expect(sealCredential('short', 'openai', apiKey)).rejects.toThrow(/at least 32 characters/);
  });

  it('provider credentials: a sealed key, a named secret, or none', async () => {
    const sealed = await sealCredential(master, 'openai', apiKey);
    const secrets: Record<string, string> = { FAL_KEY: 'fal-secret' };
    const credentials = new ProviderCredentials(master, (name) => secrets[name]);
    expect(await credentials.credentialFor({ providerId: 'openai', sealed, secretName: null })).toBe(apiKey);
    expect(await credentials.credentialFor({ providerId: 'fal', sealed: null, secretName: 'FAL_KEY' })).toBe(
      'fal-secret',
    );
    expect(await credentials.credentialFor({ providerId: 'triton', sealed: null, secretName: null })).toBe(
      '',
    );
    await expect(
      credentials.credentialFor({ providerId: 'x', sealed: null, secretName: 'MISSING_KEY' }),
    ).rejects.toThrow(/MISSING_KEY, which is not set/);
  });
});
