import { ApiError } from '../../shared/index.ts';

/**
 * Refuses a state-changing dashboard request that a page of another origin could have sent (CSRF).
 * Browsers send `Origin` on every POST and DELETE; under the dashboard's `Referrer-Policy:
 * no-referrer` a plain form post sends `Origin: null`, and then `Sec-Fetch-Site` (which no page
 * can set) must say `same-origin`. A request with neither is refused: the dashboard is only used
 * from its own pages.
 */
export function requireSameOrigin(headers: Headers, ownOrigin: string): void {
  const origin = headers.get('origin');
  const site = headers.get('sec-fetch-site');
  const sameOrigin =
    origin === ownOrigin
      ? site === null || site === 'same-origin'
      : origin === 'null' && site === 'same-origin';
  if (!sameOrigin) {
    throw new ApiError(
      'insufficient_scope',
      'dashboard sessions are only opened and closed from the dashboard',
    );
  }
}
