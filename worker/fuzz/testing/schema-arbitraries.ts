import fc from 'fast-check';
import type { DocumentedSchema } from '../../testing/openapi-fixtures.ts';
import { anyJsonValue, hostileNumber, hostileString, pollutingKeys } from './hostile-values.ts';

/** The JSON Schema keywords the fuzzer reads, beyond the shared fixture's. */
interface FuzzSchema extends DocumentedSchema {
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly items?: FuzzSchema;
  readonly allOf?: FuzzSchema[];
  readonly anyOf?: FuzzSchema[];
  readonly oneOf?: FuzzSchema[];
}

/** URLs the edge must refuse or never reach: nothing here resolves to a real host. */
export const fuzzUrls = [
  'https://hooks.fuzz.invalid/spillway',
  'http://hooks.fuzz.invalid/',
  'https://127.0.0.1/',
  'https://[::1]/',
  'https://169.254.169.254/latest/meta-data',
  'https://user:pass@hooks.fuzz.invalid/',
  'https://metadata.google.internal/',
  'https://0x7f.1/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'not a url',
];

function typesOf(schema: FuzzSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type === undefined ? [] : [schema.type];
}

function validString(schema: FuzzSchema, hints: readonly string[]): fc.Arbitrary<string> {
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  if (schema.format === 'uri') return fc.constantFrom(...fuzzUrls);
  const maxLength = Math.min(schema.maxLength ?? 64, 64);
  if (schema.pattern !== undefined) {
    const pattern = new RegExp(schema.pattern);
    const generated = fc.stringMatching(pattern).filter((text) => text.length <= (schema.maxLength ?? 512));
    const known = hints.filter((hint) => pattern.test(hint));
    return known.length === 0 ? generated : fc.oneof(generated, fc.constantFrom(...known));
  }
  return fc.string({
    unit: 'grapheme',
    minLength: schema.minLength ?? 0,
    maxLength: Math.max(maxLength, schema.minLength ?? 0),
  });
}

function validNumber(schema: FuzzSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum === undefined ? -1e6 : schema.exclusiveMinimum + 1);
  const max = schema.maximum ?? 1e6;
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true });
}

/** One schema with every property and requirement of `parts` (an `allOf`). */
function mergedParts(parts: readonly FuzzSchema[]): FuzzSchema {
  const properties: Record<string, DocumentedSchema> = {};
  const required: string[] = [];
  let types: FuzzSchema = {};
  for (const part of parts) {
    Object.assign(properties, part.properties);
    required.push(...(part.required ?? []));
    types = { ...types, ...part };
  }
  return { ...types, properties, required };
}

/**
 * Values the documented `schema` accepts, most of the time: the fuzzer's way past validation, to
 * the code behind it. A string with a pattern is sometimes one of `hints` (ids that exist) that
 * matches it. Unreadable parts of a schema become any JSON value.
 */
export function validValue(schema: FuzzSchema, hints: readonly string[] = []): fc.Arbitrary<unknown> {
  if (schema.allOf !== undefined && schema.allOf.length > 0)
    return validValue(mergedParts(schema.allOf), hints);
  const [alternative] = schema.anyOf ?? schema.oneOf ?? [];
  if (alternative !== undefined) return validValue(alternative, hints);
  const choices = typesOf(schema).map((type): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'string':
        return validString(schema, hints);
      case 'integer':
        return validNumber(schema, true);
      case 'number':
        return validNumber(schema, false);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(validValue(schema.items ?? {}, hints), {
          minLength: schema.minItems ?? 0,
          maxLength: 3,
        });
      case 'object':
        return validObject(schema, hints);
      default:
        return anyJsonValue;
    }
  });
  return choices.length === 0 ? anyJsonValue : fc.oneof(...choices);
}

function validObject(schema: FuzzSchema, hints: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0)
    return fc.dictionary(fc.string({ maxLength: 8 }), anyJsonValue, { maxKeys: 3 });
  const record = Object.fromEntries(
    properties.map(([name, property]) => [name, validValue(property, hints)]),
  );
  return fc.record(record, { requiredKeys: schema.required ?? [] });
}

/** A value of another JSON type than `schema` allows, or a hostile one of the same type. */
export function wrongValue(schema: FuzzSchema): fc.Arbitrary<unknown> {
  const types = new Set(typesOf(schema));
  const others: fc.Arbitrary<unknown>[] = [
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    anyJsonValue,
  ];
  const wrong = [
    ...(types.has('string') ? [] : [hostileString]),
    ...(types.has('number') || types.has('integer') ? [] : [hostileNumber]),
    ...(types.has('boolean') ? [] : [fc.boolean()]),
    ...(types.has('null') ? [] : [fc.constant(null)]),
    ...(types.has('array') ? [] : [fc.array(anyJsonValue, { maxLength: 3 })]),
    ...(types.has('object')
      ? []
      : [fc.dictionary(fc.constantFrom(...pollutingKeys), anyJsonValue, { maxKeys: 2 })]),
  ];
  return fc.oneof(...(wrong.length > 0 ? wrong : others), hostileString, hostileNumber);
}

/**
 * A JSON body for `schema` (`hints` as for {@link validValue}): a valid one, a valid one with one field made wrong (type, value or a
 * prototype-polluting key), or any JSON value at all.
 */
export function jsonBodyValue(schema: FuzzSchema, hints: readonly string[] = []): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const valid = validValue(schema, hints);
  const mutated =
    properties.length === 0
      ? anyJsonValue
      : fc
          .tuple(
            validObject(schema, hints),
            fc.constantFrom(...properties),
            fc.oneof(
              { arbitrary: fc.constant('wrong' as const), weight: 3 },
              { arbitrary: fc.constant('drop' as const), weight: 1 },
              { arbitrary: fc.constant('pollute' as const), weight: 1 },
            ),
          )
          .chain(([base, [name, property], how]) =>
            how === 'drop'
              ? fc.constant(Object.fromEntries(Object.entries(base).filter(([key]) => key !== name)))
              : how === 'wrong'
                ? wrongValue(property).map((value) => ({ ...base, [name]: value }))
                : fc
                    .tuple(fc.constantFrom(...pollutingKeys), anyJsonValue)
                    // Parsed, so the key is an own property even for `__proto__`; spread keeps it own.
                    .map(([key, value]) => ({ ...base, ...ownEntry(key, value) })),
          );
  return fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: mutated, weight: 4 },
    { arbitrary: anyJsonValue, weight: 1 },
  );
}

function ownEntry(key: string, value: unknown): Record<string, unknown> {
  return JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`) as Record<string, unknown>;
}
