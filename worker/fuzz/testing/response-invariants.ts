import { errorCatalog, errorEnvelopeSchema } from '../../../shared/index.ts';
import type { FuzzRequest } from './fuzz-request.ts';
import type { FuzzOperation } from './route-catalog.ts';

/** 5xx answers a route may give by design (shedding, upstream failure, deadline), never 500. */
const SHEDDING_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
/** Longest body excerpt a violation quotes. */
const EXCERPT_CHARS = 400;
/** CORS preflights answer with no content. */
const PREFLIGHT_STATUS = 204;

/** A broken promise of the edge towards a caller: what the fuzzer reports. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

function violation(request: FuzzRequest, status: number, reason: string, body: string): InvariantViolation {
  return new InvariantViolation(
    `${request.method} ${request.target} -> ${status}: ${reason}; body: ${body.slice(0, EXCERPT_CHARS)}`,
  );
}

function parsedJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** An error answer must be the shared envelope, its code's catalogued status, its id the header's. */
function checkError(request: FuzzRequest, response: Response, text: string): void {
  const { status } = response;
  const parsed = parsedJson(text);
  const envelope = parsed.ok ? errorEnvelopeSchema.safeParse(parsed.value) : null;
  if (!envelope?.success) throw violation(request, status, 'error answer is not the envelope', text);
  const { error, request_id: requestId } = envelope.data;
  const catalogued = Object.hasOwn(errorCatalog, error.code)
    ? errorCatalog[error.code as keyof typeof errorCatalog]
    : null;
  if (catalogued?.status !== status) {
    throw violation(request, status, `code ${error.code} is not catalogued with this status`, text);
  }
  if (requestId !== response.headers.get('x-request-id')) {
    throw violation(request, status, 'request_id differs from x-request-id', text);
  }
  if (status === 503 && response.headers.get('retry-after') === null) {
    throw violation(request, status, '503 without Retry-After', text);
  }
}

/** A success answer must be one the route documents, in its documented shape. */
function checkSuccess(
  operation: FuzzOperation | undefined,
  request: FuzzRequest,
  response: Response,
  text: string,
): void {
  const { status } = response;
  // A preflight is CORS's own answer.
  if (request.method === 'OPTIONS' && status === PREFLIGHT_STATUS && text === '') return;
  const shape = operation?.successes.get(status);
  if (shape === undefined) throw violation(request, status, 'success the route does not document', text);
  if (shape.mediaType === null) {
    if (text !== '') throw violation(request, status, 'documented empty answer has a body', text);
    return;
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith(shape.mediaType)) {
    throw violation(request, status, `content-type ${contentType}, documented ${shape.mediaType}`, text);
  }
  if (shape.schema === null) return;
  const parsed = parsedJson(text);
  const checked = parsed.ok ? shape.schema.safeParse(parsed.value) : null;
  if (!checked?.success)
    throw violation(request, status, 'answer does not match its documented schema', text);
}

/**
 * Checks the edge's promises for one answer to `request`, sent to `operation` (undefined when
 * the method and path name no route): no 500 ever, 5xx only where the route documents shedding,
 * every error in the envelope, every success in its documented shape. Reads the body.
 */
export async function checkAnswer(
  operation: FuzzOperation | undefined,
  request: FuzzRequest,
  response: Response,
): Promise<void> {
  const text = await response.text();
  const { status } = response;
  if (!response.headers.get('x-request-id')) throw violation(request, status, 'no x-request-id', text);
  if (status >= 500 && !(SHEDDING_STATUSES.has(status) && operation?.statuses.has(status))) {
    throw violation(request, status, 'server error', text);
  }
  // A HEAD answer is the GET answer's status and headers, without its body.
  if (request.method === 'HEAD') {
    if (text !== '') throw violation(request, status, 'HEAD answer has a body', text);
    if (status === 503 && response.headers.get('retry-after') === null) {
      throw violation(request, status, '503 without Retry-After', text);
    }
    return;
  }
  if (status >= 400) return checkError(request, response, text);
  if (status >= 200 && status < 300) return checkSuccess(operation, request, response, text);
  if (status >= 300 && status < 400) return checkRedirect(operation, request, response, text);
  throw violation(request, status, 'unexpected status class', text);
}

/**
 * A 3xx must be one the route documents: 304 empty, a redirect to a path on the edge itself
 * (never to a URL a request could have named: an open redirect).
 */
function checkRedirect(
  operation: FuzzOperation | undefined,
  request: FuzzRequest,
  response: Response,
  text: string,
): void {
  const { status } = response;
  if (!operation?.statuses.has(status))
    throw violation(request, status, 'redirect the route does not document', text);
  if (status === 304) {
    if (text !== '') throw violation(request, status, '304 with a body', text);
    return;
  }
  const location = response.headers.get('location') ?? '';
  if (!location.startsWith('/') || location.startsWith('//')) {
    throw violation(request, status, `redirect away from the edge (${location})`, text);
  }
}
