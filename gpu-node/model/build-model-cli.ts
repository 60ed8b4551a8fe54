import { resolve } from 'node:path';
import { Command } from 'commander';
import { writeTinyModel } from './tiny-model.ts';

// `npm run build:model -- --out DIR`: writes the built-in model and its manifest, e.g. to inspect
// it with Netron or to use it as the template of a custom model manifest.
const { out } = new Command('build:model')
  .option('--out <dir>', 'output folder', '.spillway/models/spillway-tiny')
  .parse()
  .opts<{ out: string }>();
const manifest = await writeTinyModel(resolve(out));
process.stdout.write(
  `${JSON.stringify({ manifest: resolve(out, 'manifest.json'), model: manifest.name })}\n`,
);
