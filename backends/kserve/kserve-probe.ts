import type { BackendProbe, BackendProbeCall, FetchFunction } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { sendWithoutRedirects } from '../pool-fetch.ts';
import {
  credentialHeader,
  MAX_PROBE_BODY_BYTES,
  readBoundedText,
  trimBase,
  withTimeout,
} from '../provider-kit/index.ts';
import type { KserveSettings } from './kserve-options.ts';
import { type PrometheusSample, parsePrometheusText } from './prometheus-text.ts';

/** Triton's metric families the probe reads (https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html). */
const metricNames = {
  pending: 'nv_inference_pending_request_count',
  queueUs: 'nv_inference_queue_duration_us',
  executions: 'nv_inference_exec_count',
  gpu: 'nv_gpu_utilization',
} as const;
const MICROSECONDS_PER_MS = 1_000;

/**
 * Probes a KServe v2 server: `GET /v2/health/ready`, then `GET /v2/models/{m}[/versions/{v}]/ready`
 * for the pool's model (200 = ready, per the protocol), then Triton's Prometheus metrics for that
 * model (summed over versions unless the pool names one; GPU utilisation averaged over GPUs).
 * Metrics live on another port, so they are scraped without the credential; a server without
 * them is still probed for readiness. Never throws for the pool's sake: an unreachable or
 * refusing pool is `ready: false` with a `detail`.
 */
export async function probeKserve(
  call: BackendProbeCall,
  settings: KserveSettings,
  send: FetchFunction,
): Promise<BackendProbe> {
  const signal = withTimeout(call.signal, settings.probeTimeoutMs);
  const get = async (url: string, headers: Record<string, string>): Promise<Response | string> => {
    try {
      return await sendWithoutRedirects(send, url, { method: 'GET', headers, signal });
    } catch (error) {
      return BackendCallError.isInstance(error) ? error.message : 'no answer';
    }
  };
  const credential = credentialHeader('Bearer', call.token);
  const base = trimBase(call.poolUrl);
  const model = call.upstream?.model;
  const version = call.upstream?.version;
  const checks = ['/v2/health/ready'];
  if (model !== undefined) {
    const versioned = version === undefined ? '' : `/versions/${encodeURIComponent(version)}`;
    checks.push(`/v2/models/${encodeURIComponent(model)}${versioned}/ready`);
  }
  for (const path of checks) {
    const answer = await get(`${base}${path}`, credential);
    if (typeof answer === 'string') return { ready: false, detail: `GET ${path}: ${answer}` };
    await answer.body?.cancel().catch(() => undefined);
    if (answer.status !== 200) return { ready: false, detail: `GET ${path} answered ${answer.status}` };
  }
  // The pool's registered metrics URL (`upstream.metrics_url`) wins over the adapter's default.
  const metricsUrl = call.upstream?.metricsUrl ?? settings.metricsUrl(call.poolUrl);
  if (metricsUrl === null) return { ready: true };
  const scraped = await get(metricsUrl, { accept: 'text/plain' });
  if (typeof scraped === 'string' || !scraped.ok) return { ready: true };
  // A page over the limit is read as no metrics: the server still answered ready.
  const text = await readBoundedText(scraped, {
    maxBytes: MAX_PROBE_BODY_BYTES,
    what: 'the metrics page',
  }).catch(() => '');
  return { ready: true, ...tritonFigures(parsePrometheusText(text), model, version) };
}

/**
 * The probe figures in Triton's metrics for `model` (and `version` when given). A figure no
 * sample reports stays undefined: unknown, never zero.
 */
export function tritonFigures(
  samples: readonly PrometheusSample[],
  model: string | undefined,
  version: string | undefined,
): Omit<BackendProbe, 'ready' | 'detail'> {
  const ofModel = (name: string) =>
    samples.filter(
      (sample) =>
        sample.name === name &&
        model !== undefined &&
        sample.labels.model === model &&
        (version === undefined || sample.labels.version === version),
    );
  const sum = (name: string): number | undefined => {
    const matched = ofModel(name);
    return matched.length === 0 ? undefined : matched.reduce((total, sample) => total + sample.value, 0);
  };
  const gpus = samples.filter((sample) => sample.name === metricNames.gpu && Number.isFinite(sample.value));
  const queued = sum(metricNames.pending);
  const completedTotal = sum(metricNames.executions);
  const queueUs = sum(metricNames.queueUs);
  return {
    ...(queued === undefined ? {} : { queued }),
    ...(completedTotal === undefined ? {} : { completedTotal }),
    ...(queueUs === undefined ? {} : { queueMsTotal: queueUs / MICROSECONDS_PER_MS }),
    ...(gpus.length === 0
      ? {}
      : { utilization: gpus.reduce((total, sample) => total + sample.value, 0) / gpus.length }),
  };
}
