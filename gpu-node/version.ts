import { readFileSync } from 'node:fs';

/** gpu-node's software version, from the project's package.json. */
export const softwareVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
