import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A gpu-node child process started for a test. */
export interface GpuNodeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly logs: string[];
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
  /** Sends SIGKILL if still running and waits for exit. */
  kill(): Promise<void>;
}

/**
 * Starts `node gpu-node/main.ts` with the given flags on an ephemeral port and resolves once it
 * logs that it listens. Rejects with the process output if it exits first.
 */
export function startGpuNode(flags: readonly string[], timeoutMs = 60_000): Promise<GpuNodeProcess> {
  const child = spawn(process.execPath, ['gpu-node/main.ts', '--port', '0', ...flags], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SPILLWAY_LOG_LEVEL: process.env.SPILLWAY_LOG_LEVEL ?? 'info' },
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr }).on('line', (line) => logs.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gpu-node did not start in ${timeoutMs} ms:\n${logs.join('\n')}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gpu-node exited with ${code} before listening:\n${logs.join('\n')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      logs.push(line);
      const match = /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (match?.[1] && line.includes('gpu-node listening')) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          child,
          logs,
          exited,
          async kill() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
  });
}
