import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { FromProbe, ProbeSettings, ToProbe } from './health-probe.ts';
import { GpuNodeClient } from './http-client.ts';

// Polls the liveness endpoint from its own thread, so the time it records is the server's and
// the network's, not the benchmark's own event loop parsing megabytes of base64.

const settings = workerData as ProbeSettings;
const port = parentPort;
if (!port) throw new Error('probe-worker must run in a worker thread');
const client = new GpuNodeClient(settings.origin, 1);
const samplesMs: number[] = [];
let failures = 0;
let recording = false;
let stopped = false;

port.on('message', (message: ToProbe) => {
  if (message.type === 'record') recording = true;
  else stopped = true;
});

await probeOnce();
port.postMessage({ type: 'ready' } satisfies FromProbe);
while (!stopped) {
  const started = performance.now();
  await probeOnce();
  const waitMs = started + settings.intervalMs - performance.now();
  if (waitMs > 0) await sleep(waitMs);
}
await client.close();
port.postMessage({ type: 'result', samplesMs, failures } satisfies FromProbe);

async function probeOnce(): Promise<void> {
  const started = performance.now();
  const ok = await client.get(settings.path).then(
    (response) => response.status === 200,
    () => false,
  );
  if (!recording) return;
  if (ok) samplesMs.push(performance.now() - started);
  else failures += 1;
}
