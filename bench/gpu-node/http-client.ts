import { Agent, request } from 'undici';
import { generationResponseSchema, type TelemetryReport, telemetryReportSchema } from '../../shared/index.ts';

/** The body posted to `/v1/generate`. */
export interface GenerateBody {
  readonly prompt: string;
  readonly seed: number;
  readonly steps: number;
  readonly size: string;
  readonly n: number;
}

/** One finished generate call as the client saw it. */
export interface GenerateTiming {
  /** `performance.now()` when the request was sent and when its body was read and parsed. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly latencyMs: number;
  readonly images: number;
  readonly responseBytes: number;
  /** Decoded bytes of every image (the PNGs' sizes). */
  readonly imageBytes: number;
  /** As gpu-node reports them in `spillway`. */
  readonly computeMs: number;
  readonly queueMs: number;
}

/**
 * A keep-alive HTTP/1.1 client for one gpu-node. Each instance has its own connection pool, so
 * a health probe never waits behind a generate call on the same socket.
 */
export class GpuNodeClient {
  readonly #origin: string;
  readonly #agent: Agent;

  /** `connections`: the most sockets at once; null for one per request in flight. */
  constructor(origin: string, connections: number | null) {
    this.#origin = origin;
    this.#agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  /** Posts one generation and parses its response; throws on a non-200 answer. */
  generate(body: GenerateBody): Promise<GenerateTiming> {
    return this.post('/v1/generate', body);
  }

  /** Posts `body` as JSON to `path`, which answers with a generation response. */
  async post(path: string, body: object): Promise<GenerateTiming> {
    const startedAt = performance.now();
    const response = await request(`${this.#origin}${path}`, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`POST ${path} → ${response.statusCode}: ${text.slice(0, 300)}`);
    const parsed = generationResponseSchema.parse(JSON.parse(text));
    const endedAt = performance.now();
    return {
      startedAt,
      endedAt,
      latencyMs: endedAt - startedAt,
      images: parsed.data.filter((image) => image.b64_json).length,
      responseBytes: Buffer.byteLength(text),
      imageBytes: parsed.data.reduce((sum, image) => sum + decodedLength(image.b64_json ?? ''), 0),
      computeMs: parsed.spillway?.compute_ms ?? Number.NaN,
      queueMs: parsed.spillway?.queue_ms ?? Number.NaN,
    };
  }

  /** GETs a path and returns its status and text. */
  async get(path: string): Promise<{ status: number; text: string }> {
    const response = await request(`${this.#origin}${path}`, { dispatcher: this.#agent });
    return { status: response.statusCode, text: await response.body.text() };
  }

  /** The pool's `/v1/telemetry` report. */
  async telemetry(): Promise<TelemetryReport> {
    const { status, text } = await this.get('/v1/telemetry');
    if (status !== 200) throw new Error(`GET /v1/telemetry → ${status}`);
    return telemetryReportSchema.parse(JSON.parse(text));
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}

function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}
