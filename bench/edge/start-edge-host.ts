import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EdgeHostSpec, FromEdgeHost } from './edge-host-protocol.ts';
import { writeEdgeProject } from './edge-project.ts';
import { stopChild } from './instant-pool.ts';

/** A Worker running in an edge host process. */
export interface EdgeHost {
  readonly url: string;
  /** The host process; workerd runs as its child. */
  readonly pid: number;
  stop(): Promise<void>;
}

const hostPath = fileURLToPath(new URL('./edge-host.ts', import.meta.url));

/** How the profiler starts an edge host (profile-edge.ts); the bench's phases pass nothing. */
export interface EdgeHostProcessOptions {
  /** Extra environment for the host (Miniflare reads `MINIFLARE_WORKERD_*` from it). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the host's stdout (workerd's, through Miniflare) goes; discarded by default. */
  readonly stdoutFd?: number;
}

/**
 * Starts Miniflare in a child process and waits for its URL. The child's stdout (Miniflare's
 * per-request log lines) is discarded unless `stdoutFd` says otherwise; its stderr is kept for
 * the error message if it fails.
 */
export async function startEdgeHost(
  spec: EdgeHostSpec,
  processOptions: EdgeHostProcessOptions = {},
): Promise<EdgeHost> {
  // startEdgeRuntime bundles `worker/index.ts` from its working directory (esbuild reads it once,
  // at load), so other Workers run from a throwaway project that holds them as worker/index.ts.
  const cwd =
    spec.kind === 'edge-runtime' && (spec.worker !== 'edge' || spec.knockouts.length > 0)
      ? await writeEdgeProject(join(spec.buildFolder, 'project'), spec.worker, spec.knockouts, process.cwd())
      : process.cwd();
  const child = spawn(process.execPath, [hostPath, JSON.stringify(spec)], {
    cwd,
    env: { ...process.env, ...processOptions.env },
    stdio: ['ignore', processOptions.stdoutFd ?? 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString('utf8')}`.slice(-4000);
  });
  return await new Promise((resolve, reject) => {
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
