import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { type GenerateTiming, GpuNodeClient } from './http-client.ts';

/** A running floor server (see `http-floor-server.ts`) and a client for it. */
export interface HttpFloor {
  /** One call that waits `delayMs` server-side and returns `bytes` of base64 image data. */
  call(delayMs: number, bytes: number): Promise<GenerateTiming>;
  close(): Promise<void>;
}

/** Starts the floor server as a child process, as gpu-node runs, and connects to it. */
export async function startHttpFloor(): Promise<HttpFloor> {
  const child: ChildProcess = spawn(
    process.execPath,
    [new URL('./http-floor-server.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  if (!child.stdout) throw new Error('floor server has no stdout');
  const lines = createInterface({ input: child.stdout });
  const [url] = (await Promise.race([once(lines, 'line'), exited.then(() => [null])])) as [string | null];
  if (!url) throw new Error('the HTTP floor server exited before listening');
  const client = new GpuNodeClient(url, 1);
  return {
    call: (delayMs, bytes) => client.post('/', { delay_ms: delayMs, bytes }),
    async close() {
      await client.close();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
