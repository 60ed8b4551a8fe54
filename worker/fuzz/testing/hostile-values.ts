import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../middleware/read-json-body.ts';

/** The longest "very long" string the fuzzer sends in one field or header. */
export const LONG_STRING_CHARS = 20_000;
/** Nesting of the deepest JSON document sent: deeper than any parser's recursion is comfortable with. */
export const DEEP_NESTING = 20_000;

/** Keys that pollute prototypes when a parser or merge is careless. */
export const pollutingKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'] as const;

/** Strings known to break parsers, loggers, SQL, paths and terminals. */
const hostileConstants = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ufeff',
  '𝕿𝖍𝖊 🧨💥 ZWJ 👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301\u0301',
  '\r\n\r\nHTTP/1.1 200 OK',
  '../../../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '%',
  '%E0%A4%A',
  "' OR 1=1; DROP TABLE tenants; --",
  '\u0024{jndi:ldap://x}',
  '{{7*7}}',
  '%s%s%s%n',
  '<script>alert(1)</script>',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'null',
  'true',
  '[]',
  '{}',
  'job_',
  'job_AAAAAAAAAAAAAAAAAAAAAAAAAA',
  'sk_live_',
  ...pollutingKeys,
];

/** A hostile string: a known troublemaker, any unicode, or a very long run. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...hostileConstants), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', '𝄞', '\u0000', '%'), fc.integer({ min: 256, max: LONG_STRING_CHARS }))
      .map(([unit, count]) => unit.repeat(count)),
    weight: 1,
  },
);

/** Numbers a schema's integer fields rarely expect. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, -0, 0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 32, 2 ** 53, 4294967296),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** A JSON value of any type, prototype-polluting keys included. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hostileNumber,
    hostileString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...pollutingKeys), fc.string({ maxLength: 8 })), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** Nested arrays or objects `depth` deep, as JSON text (valid, so the parser must cope). */
function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Request bodies that are not the JSON they claim to be, or are far too big or deep. */
export const malformedBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '{"prompt":',
    '{"prompt":"x",}',
    "{'prompt':'x'}",
    '{"prompt":"x"}{"prompt":"y"}',
    '\ufeff{"prompt":"x"}',
    'null',
    '[]',
    '"prompt"',
    '1e999999',
    '{"prompt":"\\ud800"}',
    '{"prompt":"\\u0000"}',
    '{"__proto__":{"polluted":true},"prompt":"x"}',
    '{"constructor":{"prototype":{"polluted":true}},"prompt":"x"}',
    '{"prompt":"x","prompt":{"$gt":""}}',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .tuple(fc.integer({ min: 1, max: DEEP_NESTING }), fc.constantFrom('array' as const, 'object' as const))
    .map(([depth, kind]) => deeplyNested(depth, kind)),
  // Just over, and far over, the body limit.
  fc
    .integer({ min: MAX_BODY_BYTES - 64, max: MAX_BODY_BYTES * 2 })
    .map((bytes) => JSON.stringify({ prompt: 'p'.repeat(bytes) })),
  fc.constant(JSON.stringify({ prompt: 'x', pad: 'p'.repeat(MAX_BODY_BYTES * 16) })),
);
