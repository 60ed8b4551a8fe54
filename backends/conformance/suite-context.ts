import { it } from 'vitest';
import type { BackendCall, BackendResult, ImageBackend } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import type { ConformanceCase, ConformanceFixture, ConformancePool } from './conformance-fixture.ts';
import type { RecordingServer, RedirectingPeer } from './redirect-peer.ts';

/** What the suite's case files share: the fixture and peers (set in `beforeAll`) and helpers. */
export interface SuiteContext {
  readonly fixture: () => ConformanceFixture;
  /** Poses as a pool and answers every request with `peer.answer` (a 3xx, or any status). */
  readonly peer: () => RedirectingPeer;
  /** Where a followed redirect would land. */
  readonly target: () => RecordingServer;
  /** Generates on `fixture.pool` (or `overrides.poolUrl`) with a fresh job id. */
  readonly call: (overrides?: Partial<BackendCall>, backend?: ImageBackend) => Promise<BackendResult>;
}

/** Registers one case, titled `case: behaviour`. */
export function conformanceTest(caseName: ConformanceCase, title: string, body: () => Promise<void>): void {
  it(`${caseName}: ${title}`, body);
}

/** A fresh job id for a suite call. */
export function conformanceJobId(): string {
  return `conformance-${crypto.randomUUID()}`;
}

/** The call fields that address `pool`. */
export function on(pool: ConformancePool): Pick<BackendCall, 'poolUrl' | 'token' | 'upstream'> {
  return { poolUrl: pool.url, token: pool.token, ...(pool.upstream ? { upstream: pool.upstream } : {}) };
}

/** The {@link BackendCallError} `pending` rejects with; anything else fails the case. */
export async function failure(pending: Promise<unknown>): Promise<BackendCallError> {
  const error: unknown = await pending.then(
    () => new Error('expected the call to fail'),
    (reason: unknown) => reason,
  );
  if (!BackendCallError.isInstance(error)) throw error;
  return error;
}

/** Polls `condition` until it holds or `timeoutMs` passes; false if it never held. */
export async function poll(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
