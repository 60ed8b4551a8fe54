import fc from 'fast-check';
import type { FuzzCredentials } from './fuzz-fixtures.ts';
import { hostileString, LONG_STRING_CHARS } from './hostile-values.ts';

/** One request header, name and value as sent. */
export type HeaderEntry = readonly [name: string, value: string];

/**
 * Makes `text` a value `Headers` takes (no control characters, nothing past Latin-1), keeping
 * what it can of the original, escaped, so the hostility reaches the Worker rather than the client.
 */
export function headerSafe(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/gu,
    (character) => `\\u{${(character.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

/** The `Authorization` value of each credential kind a route can name (`x-spillway-credentials`). */
function credentialValue(credentials: FuzzCredentials, kind: string): string | null {
  if (kind === 'api_key') return credentials.apiKey;
  if (kind === 'app_token') return credentials.appToken;
  return kind === 'operator' ? credentials.operator : null;
}

/**
 * `Authorization`: mostly a real credential of a kind the route takes (so requests get past
 * authentication), else a real one of another kind, none, or a broken one.
 */
export function authorizationHeader(
  credentials: FuzzCredentials,
  accepted: readonly string[],
): fc.Arbitrary<HeaderEntry[]> {
  const every = [credentials.apiKey, credentials.appToken, credentials.operator];
  const fitting = accepted.flatMap((kind) => credentialValue(credentials, kind) ?? []);
  const header = (value: string): HeaderEntry[] => [['authorization', value]];
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(fitting.length > 0 ? fitting : every)).map(header), weight: 10 },
    { arbitrary: fc.constantFrom(...every).map(header), weight: 2 },
    { arbitrary: fc.constant<HeaderEntry[]>([]), weight: 1 },
    { arbitrary: fc.constantFrom(...credentials.invalid).map(header), weight: 2 },
    { arbitrary: hostileString.map((value) => header(`Bearer ${headerSafe(value)}`)), weight: 1 },
  );
}

/** `Content-Type`: the documented one mostly, else a lie or garbage. */
export function contentTypeHeader(mediaType: string): fc.Arbitrary<HeaderEntry[]> {
  const lies = fc.constantFrom(
    'text/plain',
    'application/json; charset=utf-16',
    'application/jwt',
    'application/vnd.spillway+json',
    'APPLICATION/JSON',
    'application/jsonp',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----x',
    'application/json, text/plain',
    '*/*',
  );
  return fc.oneof(
    { arbitrary: fc.constant<HeaderEntry[]>([['content-type', mediaType]]), weight: 12 },
    { arbitrary: fc.constant<HeaderEntry[]>([]), weight: 1 },
    { arbitrary: lies.map((value): HeaderEntry[] => [['content-type', value]]), weight: 2 },
    {
      arbitrary: hostileString.map((value): HeaderEntry[] => [['content-type', headerSafe(value)]]),
      weight: 1,
    },
  );
}

/** The request headers routes read: idempotency keys (few, so they collide), long-poll, SSE resume. */
const routeHeaderValues: Record<string, fc.Arbitrary<string>> = {
  'idempotency-key': fc.oneof(
    fc.constantFrom('fuzz-key-1', 'fuzz-key-2', '"quoted-key"', '""', '"', ' ', 'k'.repeat(256), '\\u{0}'),
    hostileString.map(headerSafe),
  ),
  prefer: fc.oneof(
    fc.constantFrom(
      'wait=0',
      'wait=1',
      'wait=abc',
      'wait=-1',
      'wait=99999999999999999999',
      'respond-async, wait=1',
    ),
    fc.constantFrom('wait="1"', 'wait=1;x=y, wait=2', 'wait=', 'WAIT = 1', 'handling=strict'),
  ),
  'last-event-id': fc.oneof(
    fc.constantFrom('0', '-1', '1e9', '99999999999999999999999', 'NaN', ''),
    fc.nat().map(String),
  ),
  'x-request-id': fc.oneof(
    fc.constantFrom('fuzz-request', 'x'.repeat(200), '../../x', 'id with space'),
    hostileString.map(headerSafe),
  ),
  // `http://edge.test` is the fuzzed Worker's own origin (`FUZZ_ORIGIN`): the dashboard's session
  // routes answer only same-origin requests.
  origin: fc.constantFrom(
    'https://app.example',
    'null',
    'http://localhost:3000',
    'file://',
    'http://edge.test',
  ),
  accept: fc.constantFrom('text/event-stream', 'application/json', '*/*', 'image/png', 'text/html'),
  'accept-encoding': fc.constantFrom('gzip, br', 'identity', 'x'.repeat(1024)),
  'x-forwarded-for': fc.constantFrom('127.0.0.1', '::1, 10.0.0.1', 'not-an-ip'),
  cookie: fc.constant(`session=${'c'.repeat(4096)}`),
  'x-huge': fc.integer({ min: 1_024, max: LONG_STRING_CHARS }).map((length) => 'h'.repeat(length)),
};

/** A few of the headers routes read, and some they should ignore, with odd values. */
export const extraHeaders: fc.Arbitrary<HeaderEntry[]> = fc
  .subarray(Object.entries(routeHeaderValues), { maxLength: 4 })
  .chain((chosen) =>
    chosen.length === 0
      ? fc.constant<HeaderEntry[]>([])
      : fc.tuple(...chosen.map(([name, value]) => value.map((text): HeaderEntry => [name, text]))),
  );
