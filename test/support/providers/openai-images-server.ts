import type { ServerResponse } from 'node:http';
import { Gate, listen, type ProviderRequest, pixels, pngBase64, sendJson, work } from './provider-http.ts';

/**
 * A local stand-in for an OpenAI Images API, speaking the documented protocol:
 * - `POST /v1/images/generations` `{ model, prompt, n, size, quality, style, response_format }` →
 *   `{ created, data: [{ b64_json | url, revised_prompt }] }`
 *   (https://platform.openai.com/docs/api-reference/images/create);
 * - errors as `{ error: { message, type, param, code } }`: 400 `invalid_request_error`, 401
 *   `invalid_api_key`, 429 `rate_limit_exceeded`, 503 "The engine is currently overloaded"
 *   (https://platform.openai.com/docs/guides/error-codes);
 * - `x-ratelimit-limit-requests` / `x-ratelimit-remaining-requests` / `x-ratelimit-reset-requests`
 *   on every answer (https://platform.openai.com/docs/guides/rate-limits, "Rate limits in headers");
 * - `GET /v1/models` → `{ object: 'list', data: [{ id, object: 'model', created, owned_by }] }`
 *   (https://platform.openai.com/docs/api-reference/models/list).
 * Images are real PNGs (pngjs). Its request allowance counts requests in flight, as a concurrency
 * limiter in front of a self-hosted server would, so a held request shows in the headers.
 */
export interface OpenAiImagesServerOptions {
  /** The key `Authorization: Bearer …` must carry; any request is accepted when absent. */
  readonly apiKey?: string;
  /** Sizes accepted; others are a 400 (`param: 'size'`). Default: DALL·E 2's. */
  readonly sizes?: readonly string[];
  /** Model ids served (`/v1/models`); others are a 404 `model_not_found`. Default: `dall-e-2`. */
  readonly models?: readonly string[];
  /** Ms a generation takes, from its body (default 0); it stops early when the client hangs up. */
  readonly latencyMs?: (body: Record<string, unknown>) => number;
  /** Generations in flight beyond which it answers 503 overloaded. Default: unlimited. */
  readonly capacity?: number;
  /** `x-ratelimit-limit-requests`. Default 60. */
  readonly requestLimit?: number;
  /** Answer with `url` (to a PNG this server serves) even when `b64_json` is asked for. */
  readonly answerWithUrl?: boolean;
}

/** A running fake with its controls. */
export interface OpenAiImagesServer {
  /** The API base, e.g. `http://127.0.0.1:40123/v1` (the pool URL an adapter is given). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: ProviderRequest[];
  /** Holds the next `count` generations inside the server until `release()`. */
  holdNext(count: number): { release(): void };
  /** Generations held right now. */
  readonly waiting: number;
  /** Generations in flight right now (held ones included). */
  readonly inFlight: number;
  /** When a number, every generation answers 429 with that `Retry-After`; null to stop. */
  rateLimited: number | null;
  close(): Promise<void>;
}

const DEFAULT_SIZES = ['256x256', '512x512', '1024x1024'];
const DEFAULT_REQUEST_LIMIT = 60;

/** Starts the fake on 127.0.0.1 (ephemeral port). */
export async function startOpenAiImagesServer(
  options: OpenAiImagesServerOptions = {},
): Promise<OpenAiImagesServer> {
  const sizes = options.sizes ?? DEFAULT_SIZES;
  const models = options.models ?? ['dall-e-2'];
  const limit = options.requestLimit ?? DEFAULT_REQUEST_LIMIT;
  const gate = new Gate();
  const requests: ProviderRequest[] = [];
  const files = new Map<string, Buffer>();
  const state = { inFlight: 0, rateLimited: null as number | null };
  // Requests in flight other than the one being answered count against the allowance.
  const allowance = (): Record<string, string> => ({
    'x-ratelimit-limit-requests': String(limit),
    'x-ratelimit-remaining-requests': String(Math.min(limit, Math.max(0, limit - (state.inFlight - 1)))),
    'x-ratelimit-reset-requests': '1s',
  });
  const fail = (
    response: ServerResponse,
    status: number,
    message: string,
    fields: Partial<Record<string, string | null>> = {},
    headers: Record<string, string> = {},
  ) =>
    sendJson(
      response,
      status,
      { error: { message, type: 'invalid_request_error', param: null, code: null, ...fields } },
      { ...allowance(), ...headers },
    );

  let origin = '';
  const server = await listen(async (request, text, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const file = /^\/files\/([\w-]+)\.png$/.exec(path);
    if (request.method === 'GET' && file?.[1] && files.has(file[1])) {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(files.get(file[1]));
      return;
    }
    const authorization = request.headers.authorization ?? '';
    if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`) {
      // OpenAI masks the key it was given: its first characters and its last four.
      const given = authorization.replace(/^Bearer /, '');
      const masked =
        given.length > 8 ? `${given.slice(0, 3)}${'*'.repeat(given.length - 7)}${given.slice(-4)}` : '';
      return fail(
        response,
        401,
        `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        { code: 'invalid_api_key' },
      );
    }
    if (request.method === 'GET' && path === '/v1/models') {
      return sendJson(response, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
      });
    }
    if (request.method !== 'POST' || path !== '/v1/images/generations') {
      return fail(response, 404, `Invalid URL (${request.method} ${path})`);
    }
    state.inFlight += 1;
    try {
      await generate(text, response);
    } finally {
      state.inFlight -= 1;
    }
  }, requests);
  origin = server.url;

  async function generate(text: string, response: ServerResponse): Promise<void> {
    if (state.rateLimited !== null) {
      return fail(
        response,
        429,
        'Rate limit reached for images per minute. Please try again later.',
        { type: 'requests', code: 'rate_limit_exceeded' },
        { 'retry-after': String(state.rateLimited) },
      );
    }
    if (options.capacity !== undefined && state.inFlight > options.capacity) {
      return fail(response, 503, 'The engine is currently overloaded, please try again later', {
        type: 'server_error',
      });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return fail(response, 400, 'We could not parse the JSON body of your request.');
    }
    const model = body.model ?? models[0];
    const size = body.size ?? sizes[0];
    const n = body.n ?? 1;
    if (typeof body.prompt !== 'string' || body.prompt === '')
      return fail(response, 400, "'prompt' is a required property", { param: 'prompt' });
    if (typeof model !== 'string' || !models.includes(model))
      return fail(response, 404, `The model '${String(model)}' does not exist`, {
        param: 'model',
        code: 'model_not_found',
      });
    if (typeof size !== 'string' || !sizes.includes(size))
      return fail(
        response,
        400,
        `'${String(size)}' is not one of [${sizes.map((one) => `'${one}'`).join(', ')}] - 'size'`,
        { param: 'size' },
      );
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10)
      return fail(response, 400, `${String(n)} is not valid for 'n'`, { param: 'n' });
    await gate.wait(response);
    await work(options.latencyMs?.(body) ?? 0, response);
    const [width, height] = size.split('x').map(Number) as [number, number];
    const byUrl = options.answerWithUrl === true || body.response_format === 'url';
    const data = Array.from({ length: n }, (_, index) => {
      const b64 = pngBase64(pixels(body.prompt as string, index, width, height), width, height);
      if (!byUrl) return { b64_json: b64, revised_prompt: body.prompt };
      const id = crypto.randomUUID();
      files.set(id, Buffer.from(b64, 'base64'));
      return { url: `${origin}/files/${id}.png`, revised_prompt: body.prompt };
    });
    sendJson(response, 200, { created: Math.floor(Date.now() / 1000), data }, allowance());
  }

  return {
    url: `${server.url}/v1`,
    requests,
    holdNext: (count) => gate.holdNext(count),
    get waiting() {
      return gate.waiting;
    },
    get inFlight() {
      return state.inFlight;
    },
    get rateLimited() {
      return state.rateLimited;
    },
    set rateLimited(value) {
      state.rateLimited = value;
    },
    close: () => server.close(),
  };
}
