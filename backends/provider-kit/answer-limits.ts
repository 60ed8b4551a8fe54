import { imageSize } from './request-options.ts';

/** A Worker isolate's memory, for everything it runs at once (Cloudflare Workers limits). */
const ISOLATE_MEMORY_BYTES = 128 * 1024 * 1024;
/**
 * Why a quarter: an answer is held at least twice at its peak (its text, then the images parsed
 * out of it) while the isolate serves other requests beside it.
 */
const ISOLATE_SHARE_OF_ONE_ANSWER = 4;

/**
 * The most bytes of any one body a pool sends, whatever the request: beyond it, one broken or
 * hostile answer could take the isolate down with every request in it.
 */
export const MAX_ANSWER_BYTES = ISOLATE_MEMORY_BYTES / ISOLATE_SHARE_OF_ONE_ANSWER;
/**
 * The most bytes of an answer that carries no image: an error envelope (a provider's 422 may echo
 * both prompts, escaped), a cancel's answer, a queue status.
 */
export const MAX_SMALL_ANSWER_BYTES = 64 * 1024;
/** The most bytes of a probe's answer: a list of recent jobs, or Triton's metrics page. */
export const MAX_PROBE_BODY_BYTES = 8 * 1024 * 1024;

/** Bytes a pixel takes in the widest PNG a pool sends: 8-bit RGBA (tensors have at most 4 channels). */
const PNG_BYTES_PER_PIXEL = 4;
/** Deflate's stored (uncompressed) blocks: payload and header bytes (RFC 1951, 3.2.4). */
const STORED_BLOCK_BYTES = 65_535;
const STORED_BLOCK_HEADER_BYTES = 5;
/** The signature, IHDR, IDAT framing, IEND and metadata chunks (text, a colour profile) beside the pixels. */
const PNG_CHUNKS_ALLOWANCE_BYTES = 256 * 1024;
/** JSON beside one image's base64: its seed, a revised prompt (escaped). */
const IMAGE_FIELDS_BYTES = 64 * 1024;
/** JSON around the images: `created`, gpu-node's details, a provider's echoed input and logs. */
const ANSWER_FRAME_BYTES = 1024 * 1024;

/** What one call's answers may hold. */
export interface AnswerLimits {
  /** The most bytes of one image file (a downloaded PNG). */
  readonly imageBytes: number;
  /** The most bytes of one answer body that may carry every image as base64 (JSON, a data URL). */
  readonly answerBytes: number;
  /**
   * Whether `answerBytes` is the edge's own bound ({@link MAX_ANSWER_BYTES}), below what a valid
   * answer to this request may hold (ten 1024 px images of noise): a body past it is no pool's fault.
   */
  readonly edgeCapped: boolean;
}

/**
 * The limits for an answer of `images` images of at most `largestImageBytes` each: the images as
 * base64 plus the JSON around them, never more than {@link MAX_ANSWER_BYTES} in all (so with many
 * images each may take only its share of that).
 *
 * @example
 * const { answerBytes } = answerLimits(request.n, largestPngBytes(request.size) ?? maxImageBytes);
 */
export function answerLimits(images: number, largestImageBytes: number): AnswerLimits {
  const count = Math.max(1, Math.ceil(images));
  const share = base64Capacity(Math.floor(MAX_ANSWER_BYTES / count));
  const imageBytes = Math.max(1, Math.min(largestImageBytes, share));
  const answerBytes = count * (base64Length(imageBytes) + IMAGE_FIELDS_BYTES) + ANSWER_FRAME_BYTES;
  return {
    imageBytes,
    answerBytes: Math.min(MAX_ANSWER_BYTES, answerBytes),
    edgeCapped: answerBytes > MAX_ANSWER_BYTES,
  };
}

/**
 * The most bytes a PNG of `size` (`WIDTHxHEIGHT`) can take: 8-bit RGBA pixels with a filter byte
 * per row, stored without compression, plus its chunks. Null without a size (the model's default,
 * unknown here).
 */
export function largestPngBytes(size: string | undefined): number | null {
  const parsed = imageSize(size);
  if (parsed === null) return null;
  const raw = parsed.height * (1 + parsed.width * PNG_BYTES_PER_PIXEL);
  const storedBlocks = Math.ceil(raw / STORED_BLOCK_BYTES);
  return raw + storedBlocks * STORED_BLOCK_HEADER_BYTES + PNG_CHUNKS_ALLOWANCE_BYTES;
}

/** Characters of the base64 text of `bytes` bytes (padded). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** The most bytes whose base64 text fits in `characters`. */
function base64Capacity(characters: number): number {
  return 3 * Math.floor(characters / 4);
}
