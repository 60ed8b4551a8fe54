import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromInstantPool, ToInstantPool } from './instant-pool-protocol.ts';

/** The running instant pool process. */
export interface InstantPool {
  readonly url: string;
  readonly pid: number;
  /** Starts signed heartbeats to an edge (the pool must be registered there with `keyPath`'s key). */
  startHeartbeats(edgeUrl: string, poolId: string, keyPath: string, intervalMs?: number): Promise<void>;
  /** Stops heartbeats to an edge, before that edge stops. */
  stopHeartbeats(edgeUrl: string): Promise<void>;
  stop(): Promise<void>;
}

const serverPath = fileURLToPath(new URL('./instant-pool-server.ts', import.meta.url));

/**
 * Starts the instant pool in a child process, so answering requests does not share an event
 * loop with the load generator.
 */
export function startInstantPool(): Promise<InstantPool> {
  const child = spawn(process.execPath, [serverPath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const call = (message: ToInstantPool, reply: FromInstantPool['type']) =>
    new Promise<void>((resolve, reject) => {
      const onMessage = (answer: FromInstantPool) => {
        if (answer.type !== reply || !('edgeUrl' in answer) || answer.edgeUrl !== message.edgeUrl) return;
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
      child.send(message, (error) => {
        if (error) reject(error);
      });
    });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`instant pool exited with ${code} during start-up`));
    child.once('exit', onExit);
    child.on('message', (message: FromInstantPool) => {
      if (message.type !== 'listening') return;
      child.off('exit', onExit);
      resolve({
        url: message.url,
        pid: child.pid ?? 0,
        startHeartbeats: (edgeUrl, poolId, keyPath, intervalMs = 500) =>
          call({ type: 'start-heartbeats', edgeUrl, poolId, keyPath, intervalMs }, 'heartbeats-started'),
        stopHeartbeats: (edgeUrl) => call({ type: 'stop-heartbeats', edgeUrl }, 'heartbeats-stopped'),
        stop: () => stopChild(child),
      });
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
