import type { FetchFunction } from './backend.ts';
import { BackendCallError } from './backend-call-error.ts';
import { classifyHttpFailure } from './failure-policy.ts';

/**
 * Sends one request to a pool, never following a redirect: every outbound call of every adapter
 * goes through here. A followed redirect would re-send the tenant's prompt and the edge's token
 * to whatever URL the answer names (issue 12), so `redirect` is always `manual` and any 3xx
 * answer (or the opaque redirect a browser-like runtime gives instead) rejects with a
 * {@link BackendCallError}: retryable, so failover moves on to the next pool. Errors of `send`
 * itself (no answer) propagate unchanged for the adapter to sort.
 *
 * @example
 * const response = await sendWithoutRedirects(send, `${poolUrl}/v1/generate`, { method: 'POST', body });
 */
export async function sendWithoutRedirects(
  send: FetchFunction,
  url: string,
  init: RequestInit,
): Promise<Response> {
  const response = await send(url, { ...init, redirect: 'manual' });
  if (!isRedirect(response)) return response;
  // The redirect's body is never read: nothing in it is the pool's answer.
  await response.body?.cancel().catch(() => undefined);
  throw redirectError(response.status);
}

/** True for a 3xx answer, or the opaque stand-in for one that browser-like runtimes give (status 0). */
export function isRedirect(response: Response): boolean {
  // Widened: Workers' typings know no `opaqueredirect` (workerd answers the 3xx itself).
  const kind: string = response.type;
  return kind === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}

/** The {@link BackendCallError} for a pool that answered with a redirect instead of a result. */
export function redirectError(status: number): BackendCallError {
  return new BackendCallError({
    message: `pool answered ${status} (a redirect), which is never followed`,
    status,
    code: 'upstream_failed',
    ...classifyHttpFailure(status, null),
  });
}
