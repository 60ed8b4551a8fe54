import { PNG } from 'pngjs';

const COMMA = 0x2c;
const ZERO = 0x30;

/** What {@link pngToRgbJsonText} makes of one PNG. */
export interface RgbJsonText {
  /** The pixels' R, G, B values as JSON numbers joined by commas, without brackets. */
  readonly text: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The RGB values of a PNG (row-major, alpha dropped) as the inside of a JSON number array: the
 * `data` of KServe's UINT8 NHWC `image` tensor, written as bytes. A 1024x1024 image is 3.1
 * million numbers; as a JavaScript array of numbers and then `JSON.stringify`, that took seconds
 * of the HTTP thread and hundreds of MB per image, where this takes one buffer of at most 4 bytes
 * a value. The buffer owns its whole `ArrayBuffer`, so it can be transferred between threads.
 */
export function pngToRgbJsonText(png: Uint8Array): RgbJsonText {
  const decoded = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  const rgba = decoded.data;
  const text = new Uint8Array(Math.max(1, (rgba.length / 4) * 3 * 4));
  let at = 0;
  for (let offset = 0; offset < rgba.length; offset += 1) {
    if (offset % 4 === 3) continue;
    const value = rgba[offset] ?? 0;
    if (value >= 100) text[at++] = ZERO + Math.floor(value / 100);
    if (value >= 10) text[at++] = ZERO + (Math.floor(value / 10) % 10);
    text[at++] = ZERO + (value % 10);
    text[at++] = COMMA;
  }
  // Without the last comma; the view keeps the whole buffer so it stays transferable.
  return {
    text: new Uint8Array(text.buffer, 0, Math.max(0, at - 1)),
    width: decoded.width,
    height: decoded.height,
  };
}
