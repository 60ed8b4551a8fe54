import { startEdgeRuntime } from '../../scripts/local-stack/edge-runtime.ts';
import type { EdgeHostSpec, FromEdgeHost } from './edge-host-protocol.ts';
import { type RunningWorker, startMiniflareWorker } from './miniflare-worker.ts';
import { patchPlugin } from './variant-patches.ts';

// One Miniflare in its own process: Miniflare's Node side (its loopback server, which receives a
// request-log line per request at LogLevel.INFO) then does not share the load generator's event
// loop, as with `npm start`, where the edge has a process of its own.

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

try {
  running =
    spec.kind === 'edge-runtime'
      ? await startEdgeRuntime({ port: 0, persistFolder: null, ...spec })
      : await startMiniflareWorker({
          ...spec,
          plugins: spec.patches.length > 0 ? [patchPlugin(spec.patches)] : [],
        });
  send({ type: 'ready', url: running.url });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
