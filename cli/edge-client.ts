import type { z } from 'zod';
import { errorEnvelopeSchema } from '../shared/index.ts';
import { CliError, exitCodes, unreachable } from './errors.ts';

/** How long one call to the admin API may take before the CLI gives up on it. */
const ADMIN_CALL_TIMEOUT_MS = 30_000;

/** What an {@link edgeClient} calls with. */
export interface EdgeClientOptions {
  readonly edgeUrl: string;
  readonly token: string;
  readonly fetch: typeof fetch;
  /** `--debug`: one line per request (never a credential). */
  readonly debug?: ((line: string) => void) | undefined;
  /** What to tell the operator when the edge refuses the token (default: log in again). */
  readonly tokenFix?: string;
}

const DEFAULT_TOKEN_FIX = 'run `spillway login` again or pass a valid --token / SPILLWAY_TOKEN';

/** A client of the edge's operator API (`/v1/admin/*`), with the CLI's error messages. */
export interface EdgeClient {
  /** Calls `method path` and parses a JSON answer with `schema`; a 204 yields `null`. */
  call<Schema extends z.ZodType>(
    method: string,
    path: string,
    schema: Schema,
    body?: unknown,
  ): Promise<z.infer<Schema>>;
  /** Calls `method path` and expects no body back (204). */
  send(method: string, path: string, body?: unknown): Promise<void>;
}

/**
 * The message for an error answer: the edge's envelope as `code: message`, with the fix for a
 * refused token. `what` names the credential ("operator token", "API key").
 */
export function refusalMessage(
  status: number,
  envelope: { code: string; message: string } | null,
  what: string,
  fix: string,
): CliError {
  const detail = envelope ? `${envelope.code}: ${envelope.message}` : `HTTP ${status}`;
  if (status === 401)
    return new CliError(`the edge refused the ${what} (401 ${detail}): ${fix}`, exitCodes.credentialRefused);
  if (status === 403)
    return new CliError(`the ${what} may not do this (403 ${detail}): ${fix}`, exitCodes.credentialRefused);
  return new CliError(envelope ? detail : `the edge answered HTTP ${status}`, exitCodes.failed);
}

/** Reads an error envelope from a response body, or null when it is not one. */
export function envelopeOf(text: string): { code: string; message: string } | null {
  try {
    const parsed = errorEnvelopeSchema.shape.error
      .pick({ code: true, message: true })
      .safeParse((JSON.parse(text) as { error?: unknown }).error);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Builds a client of the operator API. */
export function edgeClient(options: EdgeClientOptions): EdgeClient {
  const request = async (method: string, path: string, body: unknown): Promise<string> => {
    const url = `${options.edgeUrl}${path}`;
    options.debug?.(`${method} ${url}`);
    let response: Response;
    try {
      response = await options.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(ADMIN_CALL_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(options.edgeUrl, error);
    }
    const text = await response.text();
    options.debug?.(`→ ${response.status} ${response.headers.get('x-request-id') ?? ''}`.trimEnd());
    if (!response.ok) {
      throw refusalMessage(
        response.status,
        envelopeOf(text),
        'operator token',
        options.tokenFix ?? DEFAULT_TOKEN_FIX,
      );
    }
    return text;
  };
  return {
    async call(method, path, schema, body) {
      const text = await request(method, path, body);
      let json: unknown = null;
      try {
        json = text === '' ? null : JSON.parse(text);
      } catch {
        throw new CliError(`${method} ${path}: the edge answered something that is not JSON`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new CliError(
          `${method} ${path}: unexpected answer from the edge (is ${options.edgeUrl} a Spillway edge of this version?)`,
        );
      }
      return parsed.data;
    },
    async send(method, path, body) {
      await request(method, path, body);
    },
  };
}
