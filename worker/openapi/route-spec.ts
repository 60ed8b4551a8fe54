import type { ErrorCode } from '../../shared/index.ts';
import type { SchemaName } from './documented-schemas.ts';

/** Who may call a route: a tenant (API key or app JWT), an operator JWT, or anyone. */
export type RouteSecurity = 'tenant' | 'operator' | 'none';

/** A header or query parameter. */
export interface ParameterSpec {
  readonly name: string;
  readonly in: 'header' | 'query';
  readonly description: string;
  readonly required?: boolean;
  /** JSON Schema of the value; a plain string when absent. */
  readonly schema?: Readonly<Record<string, unknown>>;
}

/** One success response. */
export interface ResponseSpec {
  readonly description: string;
  /** A named schema (JSON), or a media type with an inline schema (SSE, PNG, JWT). */
  readonly body?:
    | SchemaName
    | { readonly mediaType: string; readonly schema: Readonly<Record<string, unknown>> };
  readonly headers?: readonly string[];
}

/**
 * One documented route. `path` is spelled as Hono registers it (`/v1/jobs/:id`), so the test can
 * match it against `app.routes`; the document turns `:id` into `{id}`.
 */
export interface RouteSpec {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly security: RouteSecurity;
  readonly parameters?: readonly ParameterSpec[];
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly requestBody?: SchemaName | { readonly mediaType: string; readonly description: string };
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Catalogued errors the route can answer with (statuses come from the shared catalog). */
  readonly errors: readonly ErrorCode[];
}
