import type { FetchFunction } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { sendWithoutRedirects } from '../pool-fetch.ts';
import type { OutputUrlJudge } from './adapter-options.ts';
import { base64Length } from './answer-limits.ts';
import { readBoundedBytes } from './bounded-body.ts';
import { isPngBase64, isPngBytes } from './png-frame.ts';
import { originOf, sameOrigin } from './provider-urls.ts';

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
 * Anything not framed as a PNG file (`isPngBytes`: signature, IHDR first, IEND last) fails
 * retryably with code `output_not_png`: the request asked for PNG, and the edge never converts
 * images.
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
  if (!isPngBytes(bytes)) throw notPng(download.provider, `the output on ${where}`);
  return bytesToBase64(bytes);
}

/** base64 of `bytes`, with the Workers runtime's `btoa` (no Node `Buffer`). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += ENCODE_CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(start, start + ENCODE_CHUNK));
  }
  return btoa(binary);
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
