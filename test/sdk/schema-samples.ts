import fc from 'fast-check';
import { z } from 'zod';

/** The subset of JSON Schema our zod wire schemas produce. */
export type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
};

/**
 * A fast-check arbitrary of values valid for a zod schema, built from its JSON Schema (the subset
 * our wire schemas use). Optional properties are present or absent at random.
 */
export function samplesOf(schema: z.ZodType): fc.Arbitrary<unknown> {
  return arbitraryOf(z.toJSONSchema(schema, { io: 'output' }) as JsonSchema);
}

function arbitraryOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(arbitraryOf));
  if (Array.isArray(schema.type))
    return fc.oneof(...schema.type.map((type) => arbitraryOf({ ...schema, type })));
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({
        min: Math.max(
          schema.minimum ?? -1e12,
          schema.exclusiveMinimum === undefined ? -1e12 : schema.exclusiveMinimum + 1,
        ),
        max: Math.min(schema.maximum ?? 1e12, 1e12),
      });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      if (schema.format === 'uri') return fc.webUrl();
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 20, 20) });
    case 'array':
      return fc.array(arbitraryOf(schema.items ?? {}), { maxLength: 3 });
    case 'object': {
      const required = new Set(schema.required ?? []);
      const properties = schema.properties ?? {};
      return fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([name, property]) => [name, arbitraryOf(property)]),
        ),
        { requiredKeys: Object.keys(properties).filter((name) => required.has(name)) },
      );
    }
    default:
      throw new Error(`no sample generator for JSON Schema ${JSON.stringify(schema)}`);
  }
}

/** `s`/`n`/`o`/`a` for a schema's JSON type, with `?` when null is allowed: the SDK's field-table notation. */
export function fieldKind(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'output' }) as JsonSchema;
  const types = [json, ...(json.anyOf ?? [])].flatMap((part) => {
    if (part.const !== undefined) return [typeof part.const];
    return Array.isArray(part.type) ? part.type : part.type ? [part.type] : [];
  });
  const kinds: Record<string, string> = { string: 's', integer: 'n', number: 'n', object: 'o', array: 'a' };
  const kind = types.map((type) => kinds[type]).find((value) => value !== undefined) ?? '';
  return `${kind}${types.includes('null') ? '?' : ''}`;
}
