/** The 8-byte PNG signature. */
const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** PNG colour type by channels per pixel: grey, RGB, RGBA (PNG spec §11.2.2). */
const COLOR_TYPES: Readonly<Record<number, number>> = { 1: 0, 3: 2, 4: 6 };
/** Bits per channel: UINT8 tensors. */
const BIT_DEPTH = 8;

let crcTable: Uint32Array | null = null;

/** Channels per pixel a PNG can hold from 8-bit samples. */
export function isPngChannelCount(channels: number): boolean {
  return channels in COLOR_TYPES;
}

/**
 * Encodes 8-bit pixels (row-major, `channels` per pixel: 1, 3 or 4) as a PNG. Pure JS plus the
 * platform's `CompressionStream('deflate')` (zlib, as PNG's IDAT wants), so it runs in Workers
 * and Node alike; rows are unfiltered (filter type 0), which is valid, if not the smallest.
 *
 * @example
 * const png = await encodePng(new Uint8Array(64 * 64 * 3), 64, 64, 3);
 */
export async function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Promise<Uint8Array> {
  const colorType = COLOR_TYPES[channels];
  if (colorType === undefined) throw new RangeError(`a PNG cannot hold ${channels} channels`);
  const stride = width * channels;
  if (pixels.length !== stride * height) throw new RangeError('pixel count does not match the size');
  const raw = new Uint8Array((stride + 1) * height);
  for (let row = 0; row < height; row += 1) {
    raw.set(pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([BIT_DEPTH, colorType, 0, 0, 0], 8);
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', await deflate(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const compressed = new Blob([data.slice()]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

/** length, type, data, CRC-32 of type and data (PNG spec §5.3). */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(12 + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, data.length);
  for (let index = 0; index < 4; index += 1) bytes[4 + index] = type.charCodeAt(index);
  bytes.set(data, 8);
  view.setUint32(8 + data.length, crc32(bytes.subarray(4, 8 + data.length)));
  return bytes;
}

function crc32(bytes: Uint8Array): number {
  crcTable ??= makeCrcTable();
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let entry = 0; entry < 256; entry += 1) {
    let value = entry;
    for (let bit = 0; bit < 8; bit += 1) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[entry] = value >>> 0;
  }
  return table;
}
