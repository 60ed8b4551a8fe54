import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, listOf, providerRecordSchema } from '../../shared/index.ts';
import { operatorAuthorization } from '../testing/tenant-callers.ts';

const apiKey = 'sk-test-federation-0123456789';

async function call(method: string, path: string, body?: object) {
  return exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers: { authorization: await operatorAuthorization(env), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('admin: providers of every protocol', () => {
  it('providers: credentials are write-only: stored, shown as "set", never returned', async () => {
    const id = `oai-${crypto.randomUUID().slice(0, 8)}`;
    const created = await call('POST', '/v1/admin/providers', {
      id,
      name: 'OpenAI',
      protocol: 'openai-compatible',
      credentials: { api_key: apiKey },
    });
    expect(created.status).toBe(201);
    const createdText = await created.text();
    expect(createdText).not.toContain(apiKey);
    expect(providerRecordSchema.parse(JSON.parse(createdText))).toMatchObject({ id, credentials: 'set' });
    const listed = await (await call('GET', '/v1/admin/providers')).text();
    expect(listed).not.toContain(apiKey);
    expect(
      listOf(providerRecordSchema)
        .parse(JSON.parse(listed))
        .data.find((p) => p.id === id)?.credentials,
    ).toBe('set');
    const pools = await (await call('GET', '/v1/admin/pools')).text();
    expect(pools).not.toContain(apiKey);
    // null removes the stored key.
    const cleared = await call('POST', '/v1/admin/providers', {
      id,
      name: 'OpenAI',
      protocol: 'openai-compatible',
      credentials: null,
    });
    expect(providerRecordSchema.parse(await cleared.json()).credentials).toBeNull();
  });

  it('providers: every protocol of the contract is accepted, an unknown one is a clear 400', async () => {
    for (const protocol of ['gpu-node', 'kserve', 'openai-compatible', 'replicate', 'fal']) {
      const answer = await call('POST', '/v1/admin/providers', {
        id: `p-${protocol}`,
        name: protocol,
        protocol,
      });
      expect([protocol, answer.status]).toEqual([protocol, 201]);
    }
    const refused = await call('POST', '/v1/admin/providers', { id: 'p-x', name: 'x', protocol: 'grpc' });
    expect(refused.status).toBe(400);
    expect(errorEnvelopeSchema.parse(await refused.json()).error.param).toBe('protocol');
  });

  it('providers: a re-post without a protocol keeps it (a rename is a rename); a new one is gpu-node', async () => {
    const id = `rename-${crypto.randomUUID().slice(0, 8)}`;
    const post = async (body: object) => {
      const answer = await call('POST', '/v1/admin/providers', { id, ...body });
      expect(answer.status).toBe(201);
      return providerRecordSchema.parse(await answer.json());
    };
    await post({ name: 'Replicate', protocol: 'replicate', credentials: { api_key: apiKey } });
    expect(await post({ name: 'Replicate (renamed)' })).toMatchObject({
      name: 'Replicate (renamed)',
      protocol: 'replicate',
      credentials: 'set',
    });
    const listed = listOf(providerRecordSchema).parse(
      await (await call('GET', '/v1/admin/providers')).json(),
    );
    expect(listed.data.find((provider) => provider.id === id)?.protocol).toBe('replicate');
    expect(await post({ name: 'Now fal', protocol: 'fal' })).toMatchObject({ protocol: 'fal' });
    const fresh = await call('POST', '/v1/admin/providers', { id: `${id}-new`, name: 'New' });
    expect(providerRecordSchema.parse(await fresh.json()).protocol).toBe('gpu-node');
  });

  it('pools: a gpu-node pool without its key, or another protocol’s pool with one, is a clear 400', async () => {
    await call('POST', '/v1/admin/providers', { id: 'fal-co', name: 'fal', protocol: 'fal' });
    const keyed = await call('POST', '/v1/admin/pools', {
      id: 'fal-1',
      provider_id: 'fal-co',
      url: 'https://queue.fal.example/fal-ai/fast-sdxl',
      region: 'us',
      models: ['sdxl'],
      capacity: 8,
      public_key: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
    });
    expect(keyed.status).toBe(400);
    expect(errorEnvelopeSchema.parse(await keyed.json()).error.param).toBe('public_key');
    const priced = await call('POST', '/v1/admin/pools', {
      id: 'fal-1',
      provider_id: 'fal-co',
      url: 'https://queue.fal.example/fal-ai/fast-sdxl',
      region: 'us',
      models: ['sdxl'],
      capacity: 8,
      price_per_image: 0.003,
    });
    expect(priced.status).toBe(201);
    expect(await priced.json()).toMatchObject({ price_per_image: 0.003, upstream: null });
  });

  it('pools: a url with a query or fragment, or the edge’s own origin, is a clear 400', async () => {
    await call('POST', '/v1/admin/providers', { id: 'base-co', name: 'Base', protocol: 'openai-compatible' });
    const pool = { id: 'base-1', provider_id: 'base-co', region: 'us', models: ['m'], capacity: 2 };
    for (const [url, said] of [
      ['https://api.base.example/v1?key=1', 'query or fragment'],
      ['https://api.base.example/v1#frag', 'query or fragment'],
      ['https://api.base.example/v1?', 'query or fragment'],
      ['https://api.base.example/v1#', 'query or fragment'],
      ['http://edge.test/v1', "edge's own origin"],
      ['http://edge.test', "edge's own origin"],
    ] as const) {
      const refused = await call('POST', '/v1/admin/pools', { ...pool, url });
      expect([url, refused.status]).toEqual([url, 400]);
      const { error } = errorEnvelopeSchema.parse(await refused.json());
      expect([url, error.param, error.message]).toEqual([url, 'url', expect.stringContaining(said)]);
    }
    expect(
      (await call('POST', '/v1/admin/pools', { ...pool, url: 'https://api.base.example/v1' })).status,
    ).toBe(201);
  });

  it('pools: a pool keeps its provider; another provider_id for its id is 409, not a silent move', async () => {
    await call('POST', '/v1/admin/providers', { id: 'oai-co', name: 'OAI', protocol: 'openai-compatible' });
    await call('POST', '/v1/admin/providers', { id: 'rep-co', name: 'Rep', protocol: 'replicate' });
    const pool = {
      id: 'oai-1',
      provider_id: 'oai-co',
      url: 'https://api.openai.example/v1',
      region: 'us',
      models: ['gpt-image-1'],
      capacity: 4,
    };
    expect((await call('POST', '/v1/admin/pools', pool)).status).toBe(201);
    const moved = await call('POST', '/v1/admin/pools', { ...pool, provider_id: 'rep-co' });
    expect(moved.status).toBe(409);
    expect(errorEnvelopeSchema.parse(await moved.json()).error).toMatchObject({
      code: 'resource_conflict',
      param: 'provider_id',
    });
    // Its own provider may still change the rest.
    expect((await call('POST', '/v1/admin/pools', { ...pool, capacity: 8 })).status).toBe(201);
    // A provider with pools may be renamed (its protocol left out), not moved to another protocol.
    const renamed = await call('POST', '/v1/admin/providers', { id: 'oai-co', name: 'OAI (renamed)' });
    expect(renamed.status).toBe(201);
    expect(providerRecordSchema.parse(await renamed.json()).protocol).toBe('openai-compatible');
    const switched = await call('POST', '/v1/admin/providers', { id: 'oai-co', name: 'x', protocol: 'fal' });
    expect(switched.status).toBe(409);
  });
});
