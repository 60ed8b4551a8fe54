import type { ImageBackend } from './backend.ts';
import { createFalBackend } from './fal/index.ts';
import { createGpuNodeBackend } from './gpu-node/index.ts';
import { createKserveBackend } from './kserve/index.ts';
import { createOpenAiCompatibleBackend } from './openai-compatible/index.ts';
import { createReplicateBackend } from './replicate/index.ts';

/**
 * Every adapter, by the protocol name pools are registered with (like miniflare's `PLUGINS`).
 * Each entry is a factory taking that adapter's options.
 *
 * @example
 * const backend = backends['gpu-node']({ requestTimeoutMs: 60_000 });
 */
export const backends = {
  'gpu-node': createGpuNodeBackend,
  kserve: createKserveBackend,
  'openai-compatible': createOpenAiCompatibleBackend,
  replicate: createReplicateBackend,
  fal: createFalBackend,
} as const satisfies Record<string, (options?: never) => ImageBackend>;

/** A registered protocol name. */
export type BackendProtocol = keyof typeof backends;

/** True if `protocol` names a registered adapter. */
export function isBackendProtocol(protocol: string): protocol is BackendProtocol {
  return Object.hasOwn(backends, protocol);
}
