import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';

/** A JSON Schema as the document shows it, as far as the tests read it. */
export interface DocumentedSchema {
  readonly $ref?: string;
  readonly type?: string | string[];
  readonly required?: string[];
  readonly properties?: Record<string, DocumentedSchema>;
  readonly enum?: string[];
  readonly minLength?: number;
  readonly maximum?: number;
  readonly format?: string;
}

/** One operation of the document, as far as the tests read it. */
export interface DocumentedOperation {
  readonly operationId: string;
  readonly security: Array<Record<string, string[]>>;
  readonly 'x-spillway-credentials'?: string[];
  readonly requestBody?: {
    readonly required?: boolean;
    readonly content: Record<string, { readonly schema: DocumentedSchema }>;
  };
  readonly responses: Record<string, { readonly content?: Record<string, unknown> }>;
}

/** The OpenAPI document, as far as the tests read it. */
export interface Document {
  readonly openapi: string;
  readonly servers: Array<{ url: string }>;
  readonly paths: Record<string, Record<string, DocumentedOperation>>;
  readonly components: { readonly schemas: Record<string, DocumentedSchema> };
}

/** `GET http://edge.test/openapi.json` from the Worker under test. */
export async function fetchDocument(): Promise<Document> {
  const response = await exports.default.fetch('http://edge.test/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** The component a `$ref` names (or the schema itself when it is inline). */
export function resolveSchema(document: Document, schema: DocumentedSchema): DocumentedSchema {
  const name = schema.$ref?.replace('#/components/schemas/', '');
  return name === undefined ? schema : (document.components.schemas[name] ?? {});
}
