import { ApiError } from '../../shared/index.ts';

/**
 * Refuses a state-changing dashboard request that a page of another origin could have sent (CSRF).
 * Most browsers send `Origin` on every POST and DELETE; under the dashboard's `Referrer-Policy:
 * no-referrer` a plain form post sends `Origin: null`, and some Chromium builds send no `Origin`
 * at all on a same-origin `fetch`. Without its own origin, `Sec-Fetch-Site` (a forbidden header:
 * no page can set it) must say `same-origin`. A request with neither is refused: the dashboard is
 * only used from its own pages.
 */
export function requireSameOrigin(headers: Headers, ownOrigin: string): void {
  const origin = headers.get('origin');
  const site = headers.get('sec-fetch-site');
  const sameOrigin =
    origin === ownOrigin
      ? site === null || site === 'same-origin'
      : (origin === 'null' || origin === null) && site === 'same-origin';
  if (!sameOrigin) {
    throw new ApiError(
      'insufficient_scope',
      'dashboard sessions are only opened and closed from the dashboard',
    );
  }
}
