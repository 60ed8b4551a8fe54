import { resolve } from 'node:path';
import { Command } from 'commander';
import { firstImageOnceReported } from './local-stack/first-image.ts';
import { NPM_START_POOLS, startLocalStack, writeLocalJson } from './local-stack/local-stack.ts';

// `npm start`: the local default. The edge Worker in workerd on 127.0.0.1:8787, two CPU gpu-node
// pools registered as two providers, a demo tenant and its API key. Ctrl-C stops everything.
const options = new Command('start')
  .option('--port <port>', 'edge port', '8787')
  .option('--once', 'generate one image through the edge, then stop')
  .option('--fresh', 'start with empty edge storage instead of --persist-to')
  .option('--persist-to <folder>', 'where the edge keeps its storage between starts', '.wrangler/state')
  .option('--state-dir <folder>', 'local state: pool and edge keys, local.json', '.spillway')
  .parse()
  .opts<{ port: string; once?: boolean; fresh?: boolean; persistTo: string; stateDir: string }>();

const stateFolder = resolve(options.stateDir);
const stack = await startLocalStack({
  stateFolder,
  devVarsPath: resolve('.dev.vars'),
  edgePort: Number(options.port),
  persistFolder: options.fresh ? null : resolve(options.persistTo),
  heartbeatIntervalMs: 1000,
  pools: NPM_START_POOLS,
});
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

const localJson = await writeLocalJson(stateFolder, stack);
const { response, elapsedMs } = await firstImageOnceReported(stack).catch(async (error: unknown) => {
  // Not left running behind an error: the pools and workerd would keep their ports.
  await stack.stop();
  throw error;
});
const served = `${response.status} from pool ${response.headers.get('x-spillway-pool')} (${response.headers.get('x-spillway-provider')}) in ${Math.round(elapsedMs)} ms`;

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
