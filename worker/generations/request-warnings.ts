import type { GenerationRequest } from '../../shared/index.ts';
import { PARTIAL_IMAGES_WARNING } from './image-stream.ts';

/** Unknown field names a warning lists; past these, how many more. */
const MAX_NAMED_FIELDS = 5;
/** Longest field name a warning repeats. */
const MAX_FIELD_NAME_LENGTH = 40;

/** The warning for a transparent background: every pool makes opaque PNGs. */
export const TRANSPARENT_BACKGROUND_WARNING =
  'background: "transparent" is not supported; the images are opaque';

/**
 * What the edge itself tells a sync caller about its request (`x-spillway-warnings`, beside the
 * serving pool's own): options it cannot honour, and fields it does not know and so ignored,
 * which would otherwise vanish without a word (a misspelt `negative_promt`, a newer OpenAI field).
 */
export function edgeWarnings(request: GenerationRequest, ignoredFields: readonly string[]): string[] {
  const warnings: string[] = [];
  if (request.stream && (request.partial_images ?? 0) > 0) warnings.push(PARTIAL_IMAGES_WARNING);
  if (request.background === 'transparent') warnings.push(TRANSPARENT_BACKGROUND_WARNING);
  if (ignoredFields.length > 0) warnings.push(ignoredFieldsWarning(ignoredFields));
  return warnings;
}

function ignoredFieldsWarning(fields: readonly string[]): string {
  // A header value: printable ASCII only, whatever the client named its fields.
  const named = fields.slice(0, MAX_NAMED_FIELDS).map((field) => {
    const printable = field.replace(/[^\x20-\x7e]/g, '?');
    return printable.length > MAX_FIELD_NAME_LENGTH
      ? `${printable.slice(0, MAX_FIELD_NAME_LENGTH)}…`
      : printable;
  });
  const more = fields.length - named.length;
  return `ignored unknown field${fields.length === 1 ? '' : 's'}: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
