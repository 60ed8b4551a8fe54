import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstImageOnceReported } from '../../scripts/local-stack/first-image.ts';
import { NPM_START_POOLS, startLocalStack } from '../../scripts/local-stack/local-stack.ts';

/** Where a freshly started stack answers, and how to stop it. */
export interface FreshLocalStack {
  readonly edgeUrl: string;
  readonly apiKey: string;
  stop(): Promise<void>;
}

/**
 * Starts what `npm start` starts (the edge in workerd, its two CPU pools, a demo tenant) from
 * nothing: new pool processes, empty edge storage and keys in a temporary folder, an ephemeral
 * port. Like `npm start` it waits for every pool's first report and sends the first image, so the
 * caller sees the stack a new user sees the moment `npm start` prints its URL.
 */
export async function startFreshLocalStack(): Promise<FreshLocalStack> {
  const folder = await mkdtemp(join(tmpdir(), 'spillway-bursts-'));
  const removeFolder = () => rm(folder, { recursive: true, force: true });
  const stack = await startLocalStack({
    stateFolder: folder,
    devVarsPath: join(folder, '.dev.vars'),
    edgePort: 0,
    persistFolder: null,
    heartbeatIntervalMs: 1000,
    pools: NPM_START_POOLS,
  }).catch(async (error: unknown) => {
    await removeFolder();
    throw error;
  });
  const stop = () => stack.stop().then(removeFolder);
  try {
    await firstImageOnceReported(stack);
  } catch (error) {
    await stop();
    throw error;
  }
  return { edgeUrl: stack.edgeUrl, apiKey: stack.apiKey, stop };
}
