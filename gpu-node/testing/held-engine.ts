import type { ExecutionProvider } from '../../shared/index.ts';
import type { EngineListener } from '../engine/engine-pool.ts';
import { type SampleSpec, sampleMegapixels } from '../engine/engine-protocol.ts';
import type { PoolEngine } from '../pool-engine.ts';
import { CountWatch } from './count-watch.ts';

/**
 * Wraps a real engine so a test decides when admitted samples reach it. While held, samples the
 * scheduler submits wait here, holding their slots; {@link HeldEngine.release} hands them all
 * over in one synchronous burst, so they start in the same step whatever the host's speed.
 */
export class HeldEngine implements PoolEngine {
  readonly #inner: PoolEngine;
  readonly #held: SampleSpec[] = [];
  readonly #arrivals = new CountWatch(() => this.#held.length);
  #holding = true;
  #listener: EngineListener | null = null;

  constructor(inner: PoolEngine) {
    this.#inner = inner;
  }

  /** @inheritdoc */
  get provider(): ExecutionProvider {
    return this.#inner.provider;
  }

  /** @inheritdoc */
  get slots(): number {
    return this.#inner.slots;
  }

  /** @inheritdoc */
  get activeCount(): number {
    return this.#inner.activeCount + this.#held.length;
  }

  /** @inheritdoc */
  get freeSlots(): number {
    return this.#inner.freeSlots - this.#held.length;
  }

  /** Resolves once `count` samples wait to be released. */
  whenHeld(count: number): Promise<void> {
    return this.#arrivals.whenAtLeast(count);
  }

  /** Holds samples submitted from now on. */
  hold(): void {
    this.#holding = true;
  }

  /** Hands every held sample to the engine, in order, and lets later ones straight through. */
  release(): void {
    this.#holding = false;
    for (const sample of this.#held.splice(0)) this.#inner.submit(sample);
  }

  /** @inheritdoc */
  submit(sample: SampleSpec): boolean {
    if (!this.#holding) return this.#inner.submit(sample);
    if (this.freeSlots <= 0) return false;
    this.#held.push(sample);
    this.#arrivals.notify();
    return true;
  }

  /** @inheritdoc */
  batchMegapixelsOf(sampleIds: readonly string[]): number {
    const held = this.#held.filter((sample) => sampleIds.includes(sample.sampleId));
    if (held.length === 0) return this.#inner.batchMegapixelsOf(sampleIds);
    // Held samples start together in one batch when released.
    return this.#held.reduce((sum, sample) => sum + sampleMegapixels(sample), 0);
  }

  /** @inheritdoc */
  cancel(sampleIds: readonly string[]): void {
    const leaving = new Set(sampleIds);
    const released = this.#held.filter((sample) => leaving.has(sample.sampleId));
    for (const sample of released) this.#held.splice(this.#held.indexOf(sample), 1);
    // An engine reports releases later, never from inside the scheduler's own call.
    queueMicrotask(() => {
      for (const sample of released) this.#listener?.onReleased(sample.sampleId);
    });
    const running = sampleIds.filter((sampleId) => !released.some((sample) => sample.sampleId === sampleId));
    if (running.length > 0) this.#inner.cancel(running);
  }

  /** @inheritdoc */
  listen(listener: EngineListener): void {
    this.#listener = listener;
    this.#inner.listen(listener);
  }

  /** @inheritdoc */
  close(): Promise<void> {
    return this.#inner.close();
  }
}
