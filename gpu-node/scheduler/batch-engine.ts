import type { EngineListener } from '../engine/engine-pool.ts';
import type { SampleSpec } from '../engine/engine-protocol.ts';

/**
 * The engine as the scheduler sees it: batch slots, samples handed in between steps, and events
 * back through one listener. `EnginePool` is the real one; `gpu-node/testing/` has fakes.
 */
export interface BatchEngine {
  readonly slots: number;
  readonly freeSlots: number;
  readonly activeCount: number;
  /** Hands a sample to a batch; false when every batch is full. */
  submit(sample: SampleSpec): boolean;
  /**
   * Megapixels of the batch these samples are in (with them; the largest, if they are spread over
   * several workers' batches); 0 when none holds a slot.
   */
  batchMegapixelsOf(sampleIds: readonly string[]): number;
  /** Asks for samples to leave their batches; each is reported through `onReleased`. */
  cancel(sampleIds: readonly string[]): void;
  listen(listener: EngineListener): void;
}
