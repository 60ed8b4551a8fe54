import { join } from 'node:path';
import { startEdgeRuntime } from '../../scripts/local-stack/edge-runtime.ts';
import type { EdgeHostSpec, FromEdgeHost } from './edge-host-protocol.ts';
import { type RunningWorker, startMiniflareWorker } from './miniflare-worker.ts';

// One Miniflare in its own process: Miniflare's Node side (its loopback server) then does not
// share the load generator's event loop, as with `npm start`, where the edge has a process of
// its own.

const send = (message: FromEdgeHost) => process.send?.(message);
const spec = JSON.parse(process.argv[2] ?? '{}') as EdgeHostSpec;
let running: RunningWorker | null = null;

const stop = async () => {
  const current = running;
  running = null;
  await current?.stop();
  process.exit(0);
};
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

try {
  running = await start(spec);
  send({ type: 'ready', url: running.url });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

async function start(host: EdgeHostSpec): Promise<RunningWorker> {
  if (host.kind === 'info-log-runtime') return startMiniflareWorker(host);
  // startEdgeRuntime bundles worker/index.ts from the working directory, which start-edge-host.ts
  // set to a throwaway project for the passthrough and patched variants.
  const { buildFolder, secrets, vars } = host;
  return startEdgeRuntime({
    port: 0,
    persistFolder: null,
    buildFolder: join(buildFolder, 'build'),
    secrets,
    vars,
  });
}
