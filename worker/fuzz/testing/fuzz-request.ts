import fc from 'fast-check';
import type { FuzzFixtures } from './fuzz-fixtures.ts';
import {
  authorizationHeader,
  contentTypeHeader,
  extraHeaders,
  type HeaderEntry,
  headerSafe,
} from './header-arbitraries.ts';
import { hostileString, malformedBodyText } from './hostile-values.ts';
import type { FuzzOperation } from './route-catalog.ts';
import { jsonBodyValue } from './schema-arbitraries.ts';
import { pathValue, queryString } from './url-arbitraries.ts';

/** One generated request: plain data, so fast-check can print and shrink it. */
export interface FuzzRequest {
  readonly method: string;
  /** Path and query, appended to the test origin. */
  readonly target: string;
  readonly headers: readonly HeaderEntry[];
  readonly body: string | Uint8Array | null;
  /**
   * Sent as a stream of chunks this many bytes long (no declared length, so the Worker counts
   * the bytes as they arrive); null sends it whole.
   */
  readonly chunkBytes?: number | null;
}

/** Largest chunk of a streamed body. */
const MAX_CHUNK_BYTES = 8_192;
/** Most chunks a streamed body is cut into. */
const MAX_CHUNKS = 64;

/** The origin every fuzzed request is addressed to. */
export const FUZZ_ORIGIN = 'http://edge.test';

/** Methods a client can send: workerd's fetch refuses any other method name. */
export const anyMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS');

/** Bodies that are JWTs or pretend to be (the heartbeat route takes `application/jwt`). */
const tokenBody = fc.oneof(
  fc.constantFrom('', 'a.b.c', 'e30.e30.', 'eyJhbGciOiJub25lIn0.eyJ0ZWxlbWV0cnkiOnt9fQ.', '....'),
  fc
    .tuple(
      fc.base64String({ maxLength: 200 }),
      fc.base64String({ maxLength: 2000 }),
      fc.base64String({ maxLength: 100 }),
    )
    .map((parts) => parts.join('.')),
);

/**
 * A body for `operation`: shaped by its documented schema (JSON with `hints` for ids, or for a
 * token body one of `signedTokens` or a broken token), or malformed, binary or oversized.
 */
function bodyFor(
  operation: FuzzOperation,
  hints: readonly string[],
  signedTokens: readonly string[],
): fc.Arbitrary<string | Uint8Array> {
  const schema = operation.body?.schema ?? {};
  const jsonText = jsonBodyValue(schema, hints).map((value) => JSON.stringify(value) ?? 'null');
  const tokens =
    signedTokens.length === 0 ? tokenBody : fc.oneof(tokenBody, fc.constantFrom(...signedTokens));
  const shaped = operation.body?.mediaType === 'application/json' ? jsonText : tokens;
  return fc.oneof(
    { arbitrary: shaped, weight: 12 },
    { arbitrary: malformedBodyText, weight: 3 },
    { arbitrary: hostileString, weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 256 }), weight: 1 },
  );
}

/** The URL path of `operation` with each `{parameter}` filled by `values`, in order. */
function fillPath(path: string, values: readonly string[]): string {
  let index = 0;
  return path.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, () => values[index++] ?? '');
}

/** Sets of headers `Headers` accepts; a name may repeat (`append`). */
function headerList(...groups: HeaderEntry[][]): HeaderEntry[] {
  return groups.flat().map(([name, value]) => [name, headerSafe(value)] as const);
}

/**
 * A generated request for `operation`: its own method (or, now and then, another), path
 * parameters, query, credentials of every kind, odd headers and a hostile body (for a route that
 * takes a token, sometimes one of `signedTokens`).
 */
export function fuzzRequest(
  operation: FuzzOperation,
  fixtures: FuzzFixtures,
  signedTokens: readonly string[] = [],
): fc.Arbitrary<FuzzRequest> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const method = fc.oneof(
    { arbitrary: fc.constant(operation.method), weight: 9 },
    { arbitrary: anyMethod, weight: 1 },
  );
  const path = fc
    .tuple(...pathParameters.map((parameter) => pathValue(parameter, fixtures.targets)))
    .map((values) => fillPath(operation.path, values));
  const credentialed = fixtures.targets.credentialedPaths.get(operation.path);
  const target = fc.oneof(
    {
      arbitrary: fc.tuple(path, queryString(queryParameters)).map(([base, query]) => `${base}${query}`),
      weight: 9,
    },
    { arbitrary: credentialed === undefined ? path : fc.constant(credentialed), weight: 3 },
  );
  const mediaType = operation.body?.mediaType ?? 'application/json';
  return fc
    .record({
      method,
      target,
      authorization: authorizationHeader(fixtures.credentials, operation.credentials),
      contentType: contentTypeHeader(mediaType),
      extra: extraHeaders,
      chunkBytes: fc.option(fc.integer({ min: 1, max: MAX_CHUNK_BYTES }), { nil: null, freq: 4 }),
      body: fc.option(bodyFor(operation, fixtures.targets.pathValues, signedTokens), {
        nil: null,
        freq: operation.body === null ? 2 : 8,
      }),
    })
    .map(({ method: verb, target: url, authorization, contentType, extra, chunkBytes, body }) => {
      const bodiless = verb === 'GET' || verb === 'HEAD';
      return {
        method: verb,
        target: url,
        headers: headerList(authorization, bodiless ? [] : contentType, extra),
        body: bodiless ? null : body,
        chunkBytes,
      };
    });
}

/** The `RequestInit` of a generated request. */
export function requestInit(request: FuzzRequest): RequestInit<IncomingRequestCfProperties> {
  const headers = new Headers();
  for (const [name, value] of request.headers) headers.append(name, value);
  if (request.body === null) return { method: request.method, headers };
  const { chunkBytes = null } = request;
  return {
    method: request.method,
    headers,
    body: chunkBytes === null ? request.body : chunked(request.body, chunkBytes),
  };
}

/** `body` as a stream of `chunkBytes`-byte chunks. */
function chunked(body: string | Uint8Array, chunkBytes: number): ReadableStream<Uint8Array> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  // Tiny chunks of a large body would only cost time: the count of chunks is capped.
  const size = Math.max(chunkBytes, Math.ceil(bytes.byteLength / MAX_CHUNKS));
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}
