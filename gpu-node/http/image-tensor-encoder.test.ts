import { afterEach, describe, expect, it } from 'vitest';
import { encodeRgbPng } from '../engine/png-encoder.ts';
import { ImageTensorEncoder } from './image-tensor-encoder.ts';
import { pngToRgbJsonText } from './rgb-json-text.ts';

/** A 16x8 RGB image whose values run through 0-255, so every digit count appears. */
function patternPixels(): Uint8Array {
  return Uint8Array.from({ length: 16 * 8 * 3 }, (_, offset) => (offset * 37) % 256);
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('pngToRgbJsonText', () => {
  it('image tensor: writes the RGB values of a PNG as JSON numbers, row-major, without alpha', () => {
    const pixels = patternPixels();
    const made = pngToRgbJsonText(encodeRgbPng(pixels, 16, 8, 6));
    expect([made.width, made.height]).toEqual([16, 8]);
    expect(JSON.parse(`[${text(made.text)}]`)).toEqual([...pixels]);
    expect(text(made.text)).toBe([...pixels].join(','));
  });
});

describe('ImageTensorEncoder', () => {
  let encoder: ImageTensorEncoder | undefined;
  afterEach(async () => {
    await encoder?.close();
  });

  it('image tensor: the encoder thread gives the same text, for PNGs asked for together', async () => {
    encoder = new ImageTensorEncoder();
    const pixels = patternPixels();
    const inverted = pixels.map((value) => 255 - value);
    const [first, second] = await Promise.all([
      encoder.encode(encodeRgbPng(pixels, 16, 8, 6)),
      encoder.encode(encodeRgbPng(inverted, 16, 8, 6)),
    ]);
    expect(text(first ?? new Uint8Array())).toBe([...pixels].join(','));
    expect(text(second ?? new Uint8Array())).toBe([...inverted].join(','));
  });

  it('image tensor: bytes that are not a PNG fail that conversion only', async () => {
    encoder = new ImageTensorEncoder();
    await expect(encoder.encode(Uint8Array.from([1, 2, 3]))).rejects.toThrow(/cannot read a PNG/);
    const pixels = patternPixels();
    expect(text(await encoder.encode(encodeRgbPng(pixels, 16, 8, 6)))).toBe([...pixels].join(','));
  });

  it('image tensor: once closed, conversions fail instead of waiting', async () => {
    encoder = new ImageTensorEncoder();
    await encoder.close();
    await expect(encoder.encode(encodeRgbPng(patternPixels(), 16, 8, 6))).rejects.toThrow(/closed/);
  });
});
