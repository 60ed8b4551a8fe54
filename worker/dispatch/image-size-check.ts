import type { BackendResult } from '../../backends/index.ts';

/** Base64 characters that decode to a PNG's signature and IHDR up to its height (24 bytes). */
const HEADER_CHARS = 32;

/**
 * The result with a warning for each image whose PNG is not the size the client asked for: a
 * provider may answer another size without saying so (a model that ignores `size`, a resized
 * output). Each image's header is read (its IHDR), nothing decoded. A size an adapter already
 * mapped and warned about (`size: …`) is not reported again; without an asked size there is
 * nothing to compare.
 */
export function withSizeWarnings(
  result: BackendResult,
  askedSize: string | undefined,
  provider: string,
): BackendResult {
  if (askedSize === undefined || result.warnings.some((warning) => warning.startsWith('size:')))
    return result;
  const sizes = result.response.data.map((image) => pngSize(image.b64_json));
  const wrong = sizes.filter((size) => size !== null && size !== askedSize);
  if (wrong.length === 0) return result;
  const warning = `size: ${provider} returned ${[...new Set(wrong)].join(', ')} for ${askedSize} (${wrong.length} of ${sizes.length} images)`;
  return { ...result, warnings: [...result.warnings, warning] };
}

/** `WIDTHxHEIGHT` of a base64 PNG, or null when it is not one. */
export function pngSize(base64: string | undefined): string | null {
  if (base64 === undefined || base64.length < HEADER_CHARS) return null;
  let header: Uint8Array;
  try {
    header = Uint8Array.from(atob(base64.slice(0, HEADER_CHARS)), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
  const isPng = header[0] === 0x89 && header[1] === 0x50 && header[2] === 0x4e && header[3] === 0x47;
  const isIhdr = String.fromCharCode(...header.slice(12, 16)) === 'IHDR';
  if (!isPng || !isIhdr) return null;
  const view = new DataView(header.buffer);
  return `${view.getUint32(16)}x${view.getUint32(20)}`;
}
