import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EdgeHostSpec, FromEdgeHost } from './edge-host-protocol.ts';
import { stopChild } from './instant-pool.ts';

/** A Worker running in an edge host process. */
export interface EdgeHost {
  readonly url: string;
  /** The host process; workerd runs as its child. */
  readonly pid: number;
  stop(): Promise<void>;
}

const hostPath = fileURLToPath(new URL('./edge-host.ts', import.meta.url));

/**
 * Starts Miniflare in a child process and waits for its URL. The child's stdout (Miniflare's
 * per-request log lines) is discarded; its stderr is kept for the error message if it fails.
 */
export function startEdgeHost(spec: EdgeHostSpec): Promise<EdgeHost> {
  const child = spawn(process.execPath, [hostPath, JSON.stringify(spec)], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString('utf8')}`.slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`edge host exited with ${code} during start-up: ${stderr}`));
    child.once('exit', onExit);
    child.on('message', (message: FromEdgeHost) => {
      child.off('exit', onExit);
      if (message.type === 'failed') {
        reject(new Error(`edge host failed: ${message.message}`));
        return;
      }
      resolve({ url: message.url, pid: child.pid ?? 0, stop: () => stopChild(child, 10_000) });
    });
  });
}
