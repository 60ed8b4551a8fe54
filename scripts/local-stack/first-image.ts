import type { LocalStack } from './local-stack.ts';
import { waitForPoolReports } from './pool-reports.ts';

/**
 * A 503 with Retry-After is waited out this many times at most. Once every pool has reported, the
 * edge isolate's fleet snapshot may still predate those reports for one snapshot lifetime; one
 * wait covers it, the others are margin.
 */
export const FIRST_IMAGE_MAX_ATTEMPTS = 3;

/** The answer to the first generation through the edge, and how long its last attempt took. */
export interface FirstImage {
  readonly response: Response;
  readonly elapsedMs: number;
}

/**
 * POSTs one generation through the edge as a client would, waiting out a 503's Retry-After.
 * The body is left unread: only the status and the serving pool's headers are shown.
 */
export async function firstImage(
  stack: Pick<LocalStack, 'edgeUrl' | 'apiKey'>,
  request: object,
): Promise<FirstImage> {
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const elapsedMs = performance.now() - started;
    await response.body?.cancel();
    const retryAfterSeconds = Number(response.headers.get('retry-after') ?? Number.NaN);
    if (
      response.status !== 503 ||
      !Number.isFinite(retryAfterSeconds) ||
      attempt === FIRST_IMAGE_MAX_ATTEMPTS
    ) {
      return { response, elapsedMs };
    }
    await new Promise((resolve) => setTimeout(resolve, retryAfterSeconds * 1000));
  }
}

/**
 * What `npm start` does once its processes are up: waits for every pool's first report, then sends
 * the first image (a 256x256 lighthouse), so the stack has served a generation before anyone else
 * calls it.
 */
export async function firstImageOnceReported(stack: LocalStack): Promise<FirstImage> {
  await waitForPoolReports(stack);
  return firstImage(stack, { prompt: 'a lighthouse on a cliff at dusk', size: '256x256', seed: 7 });
}
