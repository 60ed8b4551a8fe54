import { resolve } from 'node:path';
import { Command } from 'commander';
import { startLocalStack, writeLocalJson } from './local-stack/local-stack.ts';

// `npm start`: the local default. The edge Worker in workerd on 127.0.0.1:8787, two CPU gpu-node
// pools registered as two providers, a demo tenant and its API key. Ctrl-C stops everything.
const options = new Command('start')
  .option('--port <port>', 'edge port', '8787')
  .option('--once', 'generate one image through the edge, then stop')
  .option('--fresh', 'start with empty edge storage instead of .wrangler/state')
  .parse()
  .opts<{ port: string; once?: boolean; fresh?: boolean }>();

const stateFolder = resolve('.spillway');
const stack = await startLocalStack({
  stateFolder,
  devVarsPath: resolve('.dev.vars'),
  edgePort: Number(options.port),
  persistFolder: options.fresh ? null : resolve('.wrangler/state'),
  heartbeatIntervalMs: 1000,
  pools: [
    { id: 'local-a', provider: 'provider-a', region: 'local' },
    { id: 'local-b', provider: 'provider-b', region: 'local' },
  ],
});
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

const localJson = await writeLocalJson(stateFolder, stack);
// Pools report telemetry every second; the first request waits for one report.
await new Promise((ready) => setTimeout(ready, 1_500));
const started = performance.now();
const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
  method: 'POST',
  headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ prompt: 'a lighthouse on a cliff at dusk', size: '256x256', seed: 7 }),
});
const served = `${response.status} from pool ${response.headers.get('x-spillway-pool')} (${response.headers.get('x-spillway-provider')}) in ${Math.round(performance.now() - started)} ms`;

process.stdout.write(
  [
    '',
    `Spillway edge: ${stack.edgeUrl}   (state: ${localJson})`,
    `Demo API key:  ${stack.apiKey}`,
    `Pools: ${stack.pools.map((pool) => `${pool.id} (${pool.provider}) ${pool.url}`).join(', ')}`,
    `First image through the edge: ${served}`,
    '',
    'Try it:',
    `  curl -s ${stack.edgeUrl}/v1/images/generations -H "authorization: Bearer ${stack.apiKey}" \\`,
    `    -H 'content-type: application/json' -d '{"prompt":"a red fox","size":"256x256"}' | head -c 200`,
    '',
    options.once ? '' : 'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);
if (options.once) await stop();
