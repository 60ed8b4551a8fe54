import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import {
  type ErrorEnvelope,
  errorEnvelopeSchema,
  type GenerationResponse,
  generationResponseSchema,
  type TelemetryReport,
  telemetryReportSchema,
} from '../../shared/index.ts';

/** A parsed answer from a pool. */
export type PoolAnswer =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: Headers;
      readonly body: GenerationResponse;
    }
  | { readonly ok: false; readonly status: number; readonly headers: Headers; readonly error: ErrorEnvelope };

/** POSTs /v1/generate and validates the answer against the shared schemas. */
export async function generate(
  baseUrl: string,
  body: unknown,
  options: { token?: string; signal?: AbortSignal; rawBody?: string; contentType?: string } = {},
): Promise<PoolAnswer> {
  const response = await fetch(`${baseUrl}/v1/generate`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.rawBody ?? JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return parseAnswer(response);
}

/** Validates a pool response as success or error envelope. */
export async function parseAnswer(response: Response): Promise<PoolAnswer> {
  const json: unknown = await response.json();
  if (response.ok)
    return {
      ok: true,
      status: response.status,
      headers: response.headers,
      body: generationResponseSchema.parse(json),
    };
  return {
    ok: false,
    status: response.status,
    headers: response.headers,
    error: errorEnvelopeSchema.parse(json),
  };
}

/** The success body, or a thrown error describing what came back instead. */
export function expectSuccess(answer: PoolAnswer): GenerationResponse {
  if (!answer.ok) throw new Error(`expected success, got ${answer.status} ${JSON.stringify(answer.error)}`);
  return answer.body;
}

/** The error envelope, or a thrown error if the call succeeded. */
export function expectError(answer: PoolAnswer): ErrorEnvelope & { status: number; headers: Headers } {
  if (answer.ok) throw new Error('expected an error, got success');
  return { ...answer.error, status: answer.status, headers: answer.headers };
}

/** GET /v1/telemetry, validated. */
export async function telemetry(baseUrl: string, token?: string): Promise<TelemetryReport> {
  const response = await fetch(`${baseUrl}/v1/telemetry`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return telemetryReportSchema.parse(await response.json());
}

/** GET /metrics parsed with a Prometheus text-format parser. */
export async function metrics(baseUrl: string): Promise<PrometheusFamily[]> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parsePrometheusTextFormat(await response.text());
}

/** Sum of a counter or gauge family's samples whose labels include `labels`. */
export function metricValue(
  families: readonly PrometheusFamily[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.find((candidate) => candidate.name === name);
  if (!family) return 0;
  return family.metrics
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value))
    .reduce((sum, sample) => sum + Number(sample.value ?? sample.count ?? 0), 0);
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function eventually(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
