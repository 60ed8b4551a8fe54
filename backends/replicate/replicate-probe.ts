import type { BackendProbe, BackendProbeCall, FetchFunction } from '../backend.ts';
import { sendWithoutRedirects } from '../pool-fetch.ts';
import {
  asRecord,
  MAX_PROBE_BODY_BYTES,
  MAX_SMALL_ANSWER_BYTES,
  parseJson,
  readBoundedText,
} from '../provider-kit/index.ts';
import { asPrediction, replicateEndpoints } from './replicate-prediction.ts';

/**
 * Replicate publishes no queue figures, but `GET /v1/predictions` lists the account's recent
 * predictions (https://replicate.com/docs/reference/http, "List predictions": `results`, newest
 * first). Those of this pool's model (or version) still `starting` are waiting for a worker, and
 * `processing` ones are running: the load this edge itself has put on the pool, which is what
 * routing needs to spread its own traffic. Only the first page is read: the recent past.
 */
export async function probeReplicate(
  call: BackendProbeCall,
  send: FetchFunction,
  timeoutMs: number,
): Promise<BackendProbe> {
  const endpoints = replicateEndpoints(call.poolUrl, call.upstream?.version);
  const timer = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await sendWithoutRedirects(send, endpoints.list, {
      method: 'GET',
      headers: { accept: 'application/json', authorization: `Bearer ${call.token}` },
      signal: call.signal ? AbortSignal.any([call.signal, timer]) : timer,
    });
    const maxBytes = response.ok ? MAX_PROBE_BODY_BYTES : MAX_SMALL_ANSWER_BYTES;
    text = await readBoundedText(response, { maxBytes, what: 'the list of predictions' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ready: false, detail: `replicate did not answer the probe: ${reason}` };
  }
  if (!response.ok) return { ready: false, detail: `replicate answered the probe with ${response.status}` };
  const results = asRecord(parseJson(text))?.results;
  if (!Array.isArray(results)) return { ready: false, detail: 'replicate answered the probe with no list' };
  const ours = results.filter((item) => belongs(asRecord(item), endpoints.model, call.upstream?.version));
  const statuses = ours.map((item) => asPrediction(item)?.status);
  return {
    ready: true,
    queued: statuses.filter((status) => status === 'starting').length,
    running: statuses.filter((status) => status === 'processing').length,
  };
}

function belongs(
  prediction: Record<string, unknown> | null,
  model: string | null,
  version?: string,
): boolean {
  if (prediction === null) return false;
  if (version !== undefined) return prediction.version === version;
  return model === null || prediction.model === model;
}
