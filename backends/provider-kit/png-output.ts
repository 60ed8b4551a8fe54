import type { FetchFunction } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { sendWithoutRedirects } from '../pool-fetch.ts';
import type { OutputUrlJudge } from './adapter-options.ts';
import { base64Length } from './answer-limits.ts';
import { readBoundedBytes } from './bounded-body.ts';
import { originOf, sameOrigin } from './provider-urls.ts';

/** The 8-byte signature every PNG file starts with (RFC 2083, section 12.12). */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
/** base64 characters that cover the signature (8 bytes need 12 characters, rounded to 16). */
const SIGNATURE_BASE64_CHARS = 16;
/** base64 characters that cover the signature and the IHDR chunk up to the height (24 bytes). */
const IHDR_BASE64_CHARS = 32;
/** Bytes per `String.fromCharCode` call when base64-encoding: well under engines' argument limits. */
const ENCODE_CHUNK = 0x8000;
const DATA_URL = /^data:([^;,]*)(;base64)?,/i;

/** How to download a provider's output image. */
export interface OutputDownload {
  readonly provider: string;
  readonly send: FetchFunction;
  readonly poolUrl: string;
  /**
   * Headers carrying the pool's credential: sent only when the image is on the pool's own origin
   * (`{}` for a protocol whose image URLs never take it).
   */
  readonly credential: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /**
   * Largest image accepted, in bytes (`answerLimits`): a file over it is hung up on, never read
   * whole, and fails as the provider's.
   */
  readonly maxBytes: number;
  /** The edge's outbound policy for output URLs (`refuseOutputUrl`); absent: any http(s) URL. */
  readonly refuseUrl?: OutputUrlJudge | undefined;
}

/**
 * One output image as PNG base64. Providers answer with URLs (or data URLs): each is fetched
 * without following redirects, and the pool's credential goes along only when the URL is on the
 * pool's own origin (Replicate's delivery hosts and fal's CDN are other origins and need none).
 * Anything that is not a PNG fails retryably with code `output_not_png`: the request asked for
 * PNG, and the edge never converts images.
 */
export async function downloadPng(url: string, download: OutputDownload): Promise<string> {
  const data = DATA_URL.exec(url);
  if (data) {
    const payload = url.slice(data[0].length);
    if (!data[2] || !isPngBase64(payload)) throw notPng(download.provider, 'a data URL');
    if (payload.length > base64Length(download.maxBytes)) {
      throw outputFailure(download.provider, null, `a data URL over ${download.maxBytes} bytes`);
    }
    return payload;
  }
  if (!/^https?:\/\//i.test(url)) {
    throw outputFailure(download.provider, null, 'an output that is not an http(s) URL');
  }
  const refusal = download.refuseUrl?.(url) ?? null;
  if (refusal !== null)
    throw outputFailure(download.provider, null, `an output URL the edge may not fetch (${refusal})`);
  const trusted = sameOrigin(url, download.poolUrl);
  const response = await sendWithoutRedirects(download.send, url, {
    method: 'GET',
    headers: { accept: 'image/png', ...(trusted ? download.credential : {}) },
    signal: download.signal,
  });
  const where = originOf(url);
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw outputFailure(download.provider, response.status, `${response.status} for an output on ${where}`);
  }
  const bytes = await readBoundedBytes(response, {
    maxBytes: download.maxBytes,
    what: `the output of ${download.provider} on ${where}`,
  });
  if (!startsWithPng(bytes)) throw notPng(download.provider, `the output on ${where}`);
  return bytesToBase64(bytes);
}

/** True when `bytes` starts with the PNG signature. */
export function startsWithPng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((byte, index) => bytes[index] === byte);
}

/** base64 of `bytes`, with the Workers runtime's `btoa` (no Node `Buffer`). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += ENCODE_CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(start, start + ENCODE_CHUNK));
  }
  return btoa(binary);
}

/** True when `b64` is base64 of a PNG (checks the signature only). */
export function isPngBase64(b64: string): boolean {
  const head = decodedHead(b64, SIGNATURE_BASE64_CHARS);
  return head !== null && startsWithPng(head);
}

/**
 * `WIDTHxHEIGHT` of a base64 PNG, read from its IHDR chunk (nothing else decoded), or null when it
 * is not one.
 */
export function pngSizeOfBase64(b64: string | undefined): string | null {
  const head = b64 === undefined ? null : decodedHead(b64, IHDR_BASE64_CHARS);
  if (head === null || head.length < 24 || !startsWithPng(head)) return null;
  if (String.fromCharCode(...head.subarray(12, 16)) !== 'IHDR') return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return `${view.getUint32(16)}x${view.getUint32(20)}`;
}

/** The first bytes of base64 `b64` (its first `chars` characters), or null when they are not base64. */
function decodedHead(b64: string, chars: number): Uint8Array | null {
  try {
    return Uint8Array.from(atob(b64.slice(0, chars)), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

function notPng(provider: string, what: string): BackendCallError {
  return new BackendCallError({
    message: `${provider} delivered ${what} that is not a PNG image`,
    status: null,
    code: 'output_not_png',
    retryable: true,
    workStarted: true,
  });
}

function outputFailure(provider: string, status: number | null, what: string): BackendCallError {
  return new BackendCallError({
    message: `${provider} delivered ${what}`,
    status,
    code: 'upstream_failed',
    retryable: true,
    workStarted: true,
  });
}
