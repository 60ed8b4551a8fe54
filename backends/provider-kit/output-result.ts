import type { BackendCall, BackendResult, FetchFunction } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import type { OutputUrlJudge } from './adapter-options.ts';
import type { DrivenJob } from './joined-jobs.ts';
import { downloadPng } from './png-output.ts';
import { stopJob } from './polled-job.ts';
import { unusableAnswer } from './provider-errors.ts';

/** How a hosted adapter turns a finished job's output files into the call's result. */
export interface OutputSpec {
  readonly provider: string;
  readonly send: FetchFunction;
  /** Headers carrying the pool's credential, sent only to the pool's own origin. */
  readonly credential: Readonly<Record<string, string>>;
  readonly maxBytes: number;
  /** The edge's outbound policy for output URLs; absent: any http(s) URL. */
  readonly refuseUrl?: OutputUrlJudge | undefined;
  readonly now: () => number;
  /** The seed to report on the image, or null (only meaningful when n is 1). */
  readonly seed: number | null;
  /** The warnings of the request's mapping, kept on the result. */
  readonly warnings: readonly string[];
}

/**
 * The call's result from a finished job's output file URLs (at most `n`; fewer is a warning):
 * each downloaded as PNG base64 (`downloadPng`). A job that stopped meanwhile is cancelled at the
 * provider and rejects `job_canceled`; a download that fails without a {@link BackendCallError}
 * is the provider's failure.
 */
export async function outputResult(
  job: DrivenJob,
  call: BackendCall,
  urls: readonly string[],
  spec: OutputSpec,
): Promise<BackendResult> {
  const { n } = call.request;
  const wanted = urls.slice(0, n);
  const download = { ...spec, poolUrl: call.poolUrl, signal: job.stop };
  let images: string[];
  try {
    images = await Promise.all(wanted.map((url) => downloadPng(url, download)));
  } catch (error) {
    if (job.stop.aborted) return await stopJob(job, call);
    if (BackendCallError.isInstance(error)) throw error;
    throw unusableAnswer(spec.provider, null, `an output that could not be downloaded (${String(error)})`);
  }
  const shortfall = wanted.length < n ? [`n: ${spec.provider} returned ${wanted.length} of ${n} images`] : [];
  const seed = n === 1 ? spec.seed : null;
  return {
    response: {
      created: Math.floor(spec.now() / 1000),
      data: images.map((b64_json) => (seed === null ? { b64_json } : { b64_json, seed })),
    },
    load: null,
    warnings: [...spec.warnings, ...shortfall],
  };
}
