import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';

/** How often the registry is read while the load runs. */
const SAMPLE_EVERY_MS = 250;

/** One pool in one registry read: when its latest report came, and the load it showed. */
export interface RegistrySample {
  /** Epoch ms of the read. */
  readonly at: number;
  readonly pools: ReadonlyArray<{
    readonly id: string;
    readonly receivedAt: number | null;
    readonly queued: number | null;
    readonly running: number | null;
  }>;
}

/**
 * Reads the edge's registry (`GET /v1/admin/pools`) every {@link SAMPLE_EVERY_MS} until stopped,
 * for `--raw`: what the edge knew of each pool when a request failed. Reads that fail (the edge
 * restarting) are skipped.
 */
export function sampleRegistry(stack: LocalStack): { stop(): Promise<RegistrySample[]> } {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  const samples: RegistrySample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const listed = await admin.listPools().catch(() => null);
      if (listed)
        samples.push({
          at,
          pools: listed.map((pool) => ({
            id: pool.id,
            receivedAt: pool.telemetry_received_at,
            queued: pool.telemetry?.queued ?? null,
            running: pool.telemetry?.running ?? null,
          })),
        });
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}
