import { type BackendResult, pngSizeOfBase64 } from '../../backends/index.ts';

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
  const sizes = result.response.data.map((image) => pngSizeOfBase64(image.b64_json));
  const wrong = sizes.filter((size) => size !== null && size !== askedSize);
  if (wrong.length === 0) return result;
  const warning = `size: ${provider} returned ${[...new Set(wrong)].join(', ')} for ${askedSize} (${wrong.length} of ${sizes.length} images)`;
  return { ...result, warnings: [...result.warnings, warning] };
}
