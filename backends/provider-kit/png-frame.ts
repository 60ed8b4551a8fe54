/** The 8-byte signature every PNG file starts with (PNG spec, 5.2). */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** A chunk's framing: its length and type before the data, its CRC after (PNG spec, 5.3). */
const CHUNK_LENGTH_BYTES = 4;
const CHUNK_TYPE_BYTES = 4;
const CHUNK_CRC_BYTES = 4;
/** IHDR's data: width, height and five one-byte fields (PNG spec, 11.2.2). */
const IHDR_DATA_BYTES = 13;
/** Where IHDR's length, type, width and height sit: right after the signature. */
const IHDR_LENGTH_AT = PNG_SIGNATURE.length;
const IHDR_TYPE_AT = IHDR_LENGTH_AT + CHUNK_LENGTH_BYTES;
const IHDR_WIDTH_AT = IHDR_TYPE_AT + CHUNK_TYPE_BYTES;
const IHDR_HEIGHT_AT = IHDR_WIDTH_AT + 4;
/** The head read: the signature and IHDR up to its height. */
const HEAD_BYTES = IHDR_HEIGHT_AT + 4;
/** The IEND chunk, the last bytes of every PNG file: length 0, type, CRC (PNG spec, 11.2.5). */
const IEND_CHUNK = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82] as const;
/** The smallest file with the signature, a whole IHDR chunk and IEND, none overlapping. */
const MIN_PNG_BYTES =
  PNG_SIGNATURE.length +
  CHUNK_LENGTH_BYTES +
  CHUNK_TYPE_BYTES +
  IHDR_DATA_BYTES +
  CHUNK_CRC_BYTES +
  IEND_CHUNK.length;
/** base64 encodes 3 bytes as a group of 4 characters. */
const GROUP_BYTES = 3;
const GROUP_CHARS = 4;
/** The most `=` a base64 string ends with. */
const MAX_PADDING = 2;
/** base64 characters of whole groups that cover the head, and the trailer. */
const HEAD_BASE64_CHARS = Math.ceil(HEAD_BYTES / GROUP_BYTES) * GROUP_CHARS;
const TAIL_BASE64_CHARS = Math.ceil(IEND_CHUNK.length / GROUP_BYTES) * GROUP_CHARS;
const MIN_PNG_BASE64_CHARS = Math.ceil(MIN_PNG_BYTES / GROUP_BYTES) * GROUP_CHARS;
const WHITESPACE = /[\t\n\f\r ]/;
const ALL_WHITESPACE = /[\t\n\f\r ]+/g;

/** A PNG's size in pixels, as its IHDR chunk declares it. */
interface PngSize {
  readonly width: number;
  readonly height: number;
}

/**
 * True when `bytes` is framed as a PNG file: the signature, an IHDR chunk first with a non-empty
 * size, and the IEND chunk last. A cheap structural check, nothing decoded or inflated: it refuses
 * what a broken pool sends as an image (an HTML page behind a PNG signature, a truncated file),
 * not a crafted file with valid framing.
 */
export function isPngBytes(bytes: Uint8Array): boolean {
  return (
    bytes.length >= MIN_PNG_BYTES &&
    ihdrSize(bytes.subarray(0, HEAD_BYTES)) !== null &&
    endsWithIend(bytes.subarray(bytes.length - IEND_CHUNK.length))
  );
}

/**
 * True when `b64` is base64 of a PNG file framed as {@link isPngBytes} checks, padded or not; only
 * its first and last few characters are decoded. base64 broken into lines is read without them.
 */
export function isPngBase64(b64: string): boolean {
  if (isFramedBase64(b64)) return true;
  // Only a string that failed pays for the scan: line breaks shift where the trailer's groups start.
  return WHITESPACE.test(b64) && isFramedBase64(b64.replace(ALL_WHITESPACE, ''));
}

/**
 * `WIDTHxHEIGHT` of a base64 PNG, read from its IHDR chunk (nothing else decoded), or null when it
 * does not start as one.
 */
export function pngSizeOfBase64(b64: string | undefined): string | null {
  const size = b64 === undefined ? null : ihdrSize(decoded(b64.slice(0, HEAD_BASE64_CHARS)));
  return size === null ? null : `${size.width}x${size.height}`;
}

function isFramedBase64(b64: string): boolean {
  if (b64.length < MIN_PNG_BASE64_CHARS - MAX_PADDING) return false;
  const tail = decodedTail(b64);
  return (
    tail !== null &&
    endsWithIend(tail.subarray(tail.length - IEND_CHUNK.length)) &&
    ihdrSize(decoded(b64.slice(0, HEAD_BASE64_CHARS))) !== null
  );
}

/** The signature, then IHDR's length, type and a non-empty size; null when `head` is not that. */
function ihdrSize(head: Uint8Array | null): PngSize | null {
  if (head === null || head.length < HEAD_BYTES) return null;
  if (!PNG_SIGNATURE.every((byte, index) => head[index] === byte)) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const type = String.fromCharCode(...head.subarray(IHDR_TYPE_AT, IHDR_TYPE_AT + CHUNK_TYPE_BYTES));
  const width = view.getUint32(IHDR_WIDTH_AT);
  const height = view.getUint32(IHDR_HEIGHT_AT);
  if (view.getUint32(IHDR_LENGTH_AT) !== IHDR_DATA_BYTES || type !== 'IHDR') return null;
  return width > 0 && height > 0 ? { width, height } : null;
}

function endsWithIend(tail: Uint8Array): boolean {
  return tail.length === IEND_CHUNK.length && IEND_CHUNK.every((byte, index) => tail[index] === byte);
}

/**
 * The last bytes of base64 `b64`, at least the trailer's: its last whole groups and the partial
 * group after them (unpadded base64 ends in 2 or 3 characters), decoded alone. null when the end
 * is not base64.
 */
function decodedTail(b64: string): Uint8Array | null {
  let end = b64.length;
  // Padding only completes a group: a string that is not whole groups has none.
  if (end % GROUP_CHARS === 0) {
    while (end > b64.length - MAX_PADDING && b64[end - 1] === '=') end -= 1;
  }
  const partial = end % GROUP_CHARS;
  const start = end - partial - TAIL_BASE64_CHARS;
  return partial === 1 || start < 0 ? null : decoded(b64.slice(start, end));
}

/** The bytes of base64 `b64`, or null when it is not base64. */
function decoded(b64: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(b64), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}
