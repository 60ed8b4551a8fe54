import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelManifest } from './model-manifest.ts';
import { buildTinyDecoder, buildTinyDenoiser, writeTinyModel } from './tiny-model.ts';

describe('model manifest', () => {
  it('tiny model: building twice gives byte-identical ONNX files', () => {
    expect(Buffer.from(buildTinyDenoiser()).equals(Buffer.from(buildTinyDenoiser()))).toBe(true);
    expect(Buffer.from(buildTinyDecoder()).equals(Buffer.from(buildTinyDecoder()))).toBe(true);
  });

  it('manifest: the written manifest loads back with absolute model paths', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'spillway-model-'));
    const written = await writeTinyModel(folder);
    const loaded = await loadModelManifest(join(folder, 'manifest.json'));
    expect(loaded).toEqual(written);
    expect(loaded.denoiser.path.startsWith('/')).toBe(true);
  });

  it('manifest: relative paths resolve against the manifest folder and names default', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'spillway-model-'));
    const manifest = {
      name: 'custom',
      denoiser: { path: 'd.onnx' },
      decoder: { path: 'sub/e.onnx', output: 'pixels' },
      latent_channels: 4,
      latent_scale: 8,
      conditioning_dim: 16,
      sizes: ['64x64'],
      default_size: '64x64',
      default_steps: 10,
      max_steps: 20,
    };
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
    const loaded = await loadModelManifest(join(folder, 'manifest.json'));
    expect(loaded.denoiser).toEqual({
      path: join(folder, 'd.onnx'),
      latent_input: 'latent',
      timestep_input: 'timestep',
      conditioning_input: 'conditioning',
      output: 'next_latent',
    });
    expect(loaded.decoder.output).toBe('pixels');
  });

  it('manifest: sizes that are not multiples of the latent scale are refused with the field named', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'spillway-model-'));
    const manifest = {
      name: 'custom',
      denoiser: { path: 'd.onnx' },
      decoder: { path: 'e.onnx' },
      latent_channels: 4,
      latent_scale: 8,
      conditioning_dim: 16,
      sizes: ['60x60'],
      default_size: '64x64',
      default_steps: 30,
      max_steps: 20,
    };
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadModelManifest(join(folder, 'manifest.json'))).rejects.toThrow(
      /sizes.*default_size|default_size/s,
    );
  });
});
