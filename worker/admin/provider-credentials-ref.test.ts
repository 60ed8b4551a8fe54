import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { providerRecordSchema } from '../../shared/index.ts';
import { operatorPost, refusalOf } from '../testing/admin-calls.ts';

const postProvider = (body: object) => operatorPost(env, '/v1/admin/providers', body);

const provider = (id: string) => ({ id, name: 'OpenAI', protocol: 'openai-compatible' });

describe('admin: a provider’s credentials_ref', () => {
  it.each(['EDGE_SIGNING_KEY', 'EDGE_SIGNING_KEY_PREVIOUS', 'PROVIDER_CREDENTIALS_KEY', 'FLEET'])(
    "never names one of the edge's own: %s is refused",
    async (name) => {
      const refused = await refusalOf(await postProvider({ ...provider('ref-evil'), credentials_ref: name }));
      expect(refused).toMatchObject({
        status: 400,
        error: { code: 'invalid_request', param: 'credentials_ref' },
      });
      expect(refused.error.message).toContain(`${name} is reserved`);
    },
  );

  it("names a provider's own secret, whatever its name", async () => {
    const accepted = await postProvider({ ...provider('ref-good'), credentials_ref: 'OPENAI_KEY' });
    expect(accepted.status).toBe(201);
    expect(providerRecordSchema.parse(await accepted.json()).credentials_ref).toBe('OPENAI_KEY');
  });

  it('re-posting without it keeps the stored one; null removes it', async () => {
    const id = `ref-keep-${crypto.randomUUID().slice(0, 8)}`;
    expect((await postProvider({ ...provider(id), credentials_ref: 'OPENAI_KEY' })).status).toBe(201);
    const renamed = await postProvider({ ...provider(id), name: 'OpenAI (renamed)' });
    expect(renamed.status).toBe(201);
    expect(providerRecordSchema.parse(await renamed.json())).toMatchObject({
      name: 'OpenAI (renamed)',
      credentials_ref: 'OPENAI_KEY',
    });
    const cleared = await postProvider({ ...provider(id), credentials_ref: null });
    expect(providerRecordSchema.parse(await cleared.json()).credentials_ref).toBeNull();
    const fresh = await postProvider(provider(`${id}-new`));
    expect(providerRecordSchema.parse(await fresh.json()).credentials_ref).toBeNull();
  });

  it('is not given together with credentials', async () => {
    const both = await postProvider({
      ...provider('ref-both'),
      credentials: { api_key: 'sk-both-0123456789' },
      credentials_ref: 'OPENAI_KEY',
    });
    const refused = await refusalOf(both);
    expect(refused).toMatchObject({
      status: 400,
      error: { code: 'invalid_request', param: 'credentials_ref' },
    });
    expect(refused.error.message).toMatch(/not both/);
    expect(refused.error.message).not.toContain('sk-both');
  });
});
