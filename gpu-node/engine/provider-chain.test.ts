import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionProvider } from '../../shared/index.ts';
import type { ModelManifest } from '../model/model-manifest.ts';
import { writeTinyModel } from '../model/tiny-model.ts';
import { createWithFirstWorkingProvider } from './provider-chain.ts';
import { Sampler } from './sampler.ts';

// The GPU providers are expected to fail here; keep ONNX Runtime's own error lines out of the log.
ort.env.logLevel = 'fatal';

/** A session factory where only `working` providers load; records every call. */
function fakeFactory(
  working: readonly ExecutionProvider[],
  failure: (provider: ExecutionProvider) => unknown,
) {
  const calls: ExecutionProvider[] = [];
  const createSession = async (provider: ExecutionProvider) => {
    calls.push(provider);
    if (!working.includes(provider)) throw failure(provider);
    return { provider };
  };
  return { calls, createSession };
}

describe('createWithFirstWorkingProvider', () => {
  it('provider chain: takes the first provider that works and tries no further', async () => {
    const factory = fakeFactory(['tensorrt', 'cuda', 'cpu'], () => new Error('unused'));
    const choice = await createWithFirstWorkingProvider(['tensorrt', 'cuda', 'cpu'], factory.createSession);
    expect(choice).toEqual({ provider: 'tensorrt', session: { provider: 'tensorrt' }, attempts: [] });
    expect(factory.calls).toEqual(['tensorrt']);
  });

  it('provider chain: falls back in order and records why each earlier provider failed', async () => {
    const factory = fakeFactory(['cpu'], (provider) => new Error(`${provider} library not found`));
    const choice = await createWithFirstWorkingProvider(['tensorrt', 'cuda', 'cpu'], factory.createSession);
    expect(choice).toEqual({
      provider: 'cpu',
      session: { provider: 'cpu' },
      attempts: [
        { provider: 'tensorrt', error: 'tensorrt library not found' },
        { provider: 'cuda', error: 'cuda library not found' },
      ],
    });
    expect(factory.calls).toEqual(['tensorrt', 'cuda', 'cpu']);
  });

  it('provider chain: a thrown non-Error is recorded as text', async () => {
    const factory = fakeFactory(['cpu'], () => 'no device 0');
    const choice = await createWithFirstWorkingProvider(['cuda', 'cpu'], factory.createSession);
    expect(choice.attempts).toEqual([{ provider: 'cuda', error: 'no device 0' }]);
  });

  it('provider chain: when every provider fails there is no provider, only the attempts', async () => {
    const factory = fakeFactory([], (provider) => new Error(`${provider} failed`));
    const choice = await createWithFirstWorkingProvider(['cuda', 'cpu'], factory.createSession);
    expect(choice).toEqual({
      attempts: [
        { provider: 'cuda', error: 'cuda failed' },
        { provider: 'cpu', error: 'cpu failed' },
      ],
    });
    expect('provider' in choice).toBe(false);
  });

  it('provider chain: an empty list tries nothing', async () => {
    const factory = fakeFactory(['cpu'], () => new Error('unused'));
    expect(await createWithFirstWorkingProvider([], factory.createSession)).toEqual({ attempts: [] });
    expect(factory.calls).toEqual([]);
  });
});

describe('createWithFirstWorkingProvider with ONNX Runtime', () => {
  let folder = '';
  let manifest: ModelManifest;
  // Hosts installed with ONNXRUNTIME_NODE_INSTALL=cuda12 have the GPU providers; this check is for those without.
  const bindingFolder = join(
    dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  const gpuHost = existsSync(join(bindingFolder, 'libonnxruntime_providers_cuda.so'));

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'spillway-provider-chain-'));
    manifest = await writeTinyModel(folder);
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const create = (provider: ExecutionProvider) =>
    Sampler.create(manifest, { provider, deviceId: 0, intraOpThreads: 1 });

  it.skipIf(gpuHost)(
    'provider chain: without GPU libraries tensorrt and cuda refuse and the chain lands on cpu',
    async () => {
      await expect(create('tensorrt')).rejects.toThrow();
      await expect(create('cuda')).rejects.toThrow();

      const choice = await createWithFirstWorkingProvider(['tensorrt', 'cuda', 'cpu'], create);
      if (!('provider' in choice)) throw new Error(`no provider worked: ${JSON.stringify(choice.attempts)}`);
      try {
        expect(choice.provider).toBe('cpu');
        expect(choice.attempts.map((attempt) => attempt.provider)).toEqual(['tensorrt', 'cuda']);
        for (const attempt of choice.attempts) expect(attempt.error.length).toBeGreaterThan(0);
        expect(choice.session).toBeInstanceOf(Sampler);
      } finally {
        await choice.session.release();
      }
    },
  );
});
