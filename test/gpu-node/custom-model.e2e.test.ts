import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTinyDecoder, buildTinyDenoiser } from '../../gpu-node/model/tiny-model.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { expectSuccess, generate } from '../support/pool-client.ts';

let running: GpuNodeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.map((pool) => pool.kill()));
  running = [];
});

function writeCustomModel(manifest: object): string {
  const folder = mkdtempSync(join(tmpdir(), 'spillway-custom-'));
  const denoiser = buildTinyDenoiser({ latent: 'x', timestep: 't', conditioning: 'c', output: 'y' });
  writeFileSync(join(folder, 'denoiser.onnx'), denoiser);
  writeFileSync(join(folder, 'decoder.onnx'), buildTinyDecoder());
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
  return join(folder, 'manifest.json');
}

async function startWithManifest(manifest: object): Promise<GpuNodeProcess> {
  const pool = await startGpuNode(['--insecure-no-auth', '--model-manifest', writeCustomModel(manifest)]);
  running.push(pool);
  return pool;
}

const contract = {
  name: 'renamed-tensors',
  decoder: { path: 'decoder.onnx' },
  latent_channels: 4,
  latent_scale: 4,
  conditioning_dim: 32,
  sizes: ['64x64'],
  default_size: '64x64',
  default_steps: 5,
  max_steps: 10,
};

describe('gpu-node custom models', () => {
  it('model: serves any ONNX pair with the contract, using the tensor names from the manifest', async () => {
    const pool = await startWithManifest({
      ...contract,
      denoiser: {
        path: 'denoiser.onnx',
        latent_input: 'x',
        timestep_input: 't',
        conditioning_input: 'c',
        output: 'y',
      },
    });
    const custom = expectSuccess(
      await generate(pool.url, { prompt: 'renamed', seed: 3, model: 'renamed-tensors' }),
    );
    expect(custom.spillway?.model).toBe('renamed-tensors');
    // Same weights as the built-in model, so the same pixels.
    const builtIn = await startGpuNode([
      '--insecure-no-auth',
      '--model-dir',
      mkdtempSync(join(tmpdir(), 'spillway-m-')),
    ]);
    running.push(builtIn);
    const reference = expectSuccess(
      await generate(builtIn.url, { prompt: 'renamed', seed: 3, size: '64x64', steps: 5 }),
    );
    expect(custom.data[0]?.b64_json).toBe(reference.data[0]?.b64_json);
  });

  it('model: a manifest naming tensors the model lacks stops start-up with the names in the message', () => {
    const manifestPath = writeCustomModel({ ...contract, denoiser: { path: 'denoiser.onnx' } });
    const result = spawnSync(
      process.execPath,
      ['gpu-node/main.ts', '--insecure-no-auth', '--port', '0', '--model-manifest', manifestPath],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('denoiser model does not match its manifest');
    expect(result.stdout).toContain('missing inputs [latent, timestep, conditioning] (it has [x, t, c])');
  });
});
