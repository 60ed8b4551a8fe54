import { chmod, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from './free-port.ts';

/** One Chrome DevTools Protocol session over a WebSocket (a workerd isolate's inspector). */
export interface InspectorSession {
  /** Sends a CDP command and resolves to its result. */
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

/** A target workerd's inspector lists at `/json/list`. */
export interface InspectorTarget {
  readonly id: string;
  readonly title: string;
  readonly webSocketDebuggerUrl: string;
}

/** Lists the isolates workerd's inspector (`--inspector-addr`) serves. */
export async function listInspectorTargets(inspectorOrigin: string): Promise<InspectorTarget[]> {
  const response = await request(`${inspectorOrigin}/json/list`);
  const targets: unknown = await response.body.json();
  if (!Array.isArray(targets)) throw new Error('the inspector listed no targets');
  return targets.flatMap((target: unknown): InspectorTarget[] => {
    if (typeof target !== 'object' || target === null) return [];
    const { id, title, webSocketDebuggerUrl } = target as Record<string, unknown>;
    return typeof webSocketDebuggerUrl === 'string'
      ? [{ id: String(id), title: String(title), webSocketDebuggerUrl }]
      : [];
  });
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** Opens a CDP session on one target (Node 22's global WebSocket). */
export async function openInspectorSession(webSocketUrl: string): Promise<InspectorSession> {
  const socket = new WebSocket(webSocketUrl);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    if (message.id === undefined) return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiting?.reject(new Error(message.error.message));
    else waiting?.resolve(message.result);
  });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot open ${webSocketUrl}`)), { once: true });
  });
  return {
    send: <T>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: (value) => resolve(value as T), reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/**
 * A workerd that opens its inspector: a wrapper script in `folder` for Miniflare to run as
 * `MINIFLARE_WORKERD_PATH`, and the port the inspector listens on.
 *
 * @example
 * const { wrapper, inspectorPort } = await inspectedWorkerd(folder);
 * spawn(node, [bench], { env: { ...process.env, MINIFLARE_WORKERD_PATH: wrapper } });
 */
export async function inspectedWorkerd(folder: string): Promise<{ wrapper: string; inspectorPort: number }> {
  const inspectorPort = await freePort();
  const wrapper = join(folder, 'workerd-inspected.sh');
  const workerd = String(createRequire(import.meta.url)('workerd').default);
  await writeFile(wrapper, `#!/bin/sh\nexec "${workerd}" "$@" --inspector-addr=127.0.0.1:${inspectorPort}\n`);
  await chmod(wrapper, 0o755);
  return { wrapper, inspectorPort };
}
