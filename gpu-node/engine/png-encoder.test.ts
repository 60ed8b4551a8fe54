import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { encodeRgbPng } from './png-encoder.ts';

function transferable(bytes: Uint8Array): boolean {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    return true;
  } catch {
    return false;
  } finally {
    port1.close();
    port2.close();
  }
}

describe('encodeRgbPng', () => {
  it('returns bytes that own their buffer, small or large, so a worker thread can transfer them', () => {
    const flat = encodeRgbPng(new Uint8Array(64 * 64 * 3).fill(128), 64, 64, 6);
    // Under 4 KiB: pngjs hands back a slice of Node's shared Buffer pool.
    expect(flat.byteLength).toBeLessThan(4096);
    const noisy = encodeRgbPng(
      Uint8Array.from({ length: 256 * 256 * 3 }, (_, index) => (index * 7919) % 251),
      256,
      256,
      6,
    );
    expect(noisy.byteLength).toBeGreaterThan(4096);
    for (const png of [flat, noisy]) {
      expect([png.byteOffset, png.buffer.byteLength]).toEqual([0, png.byteLength]);
      const copy = Uint8Array.from(png);
      expect(transferable(png)).toBe(true);
      expect(png.byteLength).toBe(0);
      expect(copy.subarray(1, 4).toString()).toBe('80,78,71');
    }
  });
});
