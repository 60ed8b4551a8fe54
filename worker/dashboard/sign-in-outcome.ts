import { ApiError } from '../../shared/index.ts';

/** Where a browser's own form post is sent after signing in, and after a refusal (with `?error=`). */
export const DASHBOARD_PATH = '/dashboard';

/**
 * Why a sign-in was refused, as `GET /dashboard?error=` names it. The page shows only these
 * fixed messages: the query string picks one and is never itself shown, so a crafted link cannot
 * put its own words on the sign-in form.
 */
const signInRefusals = {
  rejected: 'this operator token was not accepted: check it, or mint a new one with `spillway tokens create`',
  tenant: 'the dashboard needs an operator token, not a tenant credential',
  missing: 'paste an operator token to sign in',
  failed: 'the sign-in failed: try again',
} as const;

/** A reason `?error=` may carry. */
export type SignInRefusal = keyof typeof signInRefusals;

/** The message for a refused operator token (JSON callers and the form alike). */
export const REJECTED_TOKEN_MESSAGE = signInRefusals.rejected;

/** The message for a tenant API key or app token. */
export const TENANT_CREDENTIAL_MESSAGE = signInRefusals.tenant;

/** The sign-in form's notice for a `?error=` value; null for none or one it does not know. */
export function signInNotice(reason: string | undefined): string | null {
  if (reason === undefined || !Object.hasOwn(signInRefusals, reason)) return null;
  return signInRefusals[reason as SignInRefusal];
}

/** The `?error=` reason a sign-in refusal is shown with. */
export function refusalReason(error: ApiError): SignInRefusal {
  switch (error.code) {
    case 'invalid_credentials':
    case 'missing_credentials':
      return 'rejected';
    case 'insufficient_scope':
      return 'tenant';
    case 'invalid_request':
      return 'missing';
    default:
      return 'failed';
  }
}

/** Where a form post that was refused for `reason` is sent. */
export function refusedLocation(reason: SignInRefusal): string {
  return `${DASHBOARD_PATH}?error=${reason}`;
}

/**
 * Whether a request is the browser's own submission of the sign-in form (a navigation, when the
 * page's script did not run), which is answered with redirects rather than JSON. `Sec-Fetch-Mode`
 * tells a navigation from a script's fetch; a browser too old to send it still asks for HTML.
 * A form-encoded body alone does not count: API clients may post one and read JSON.
 */
export function isFormNavigation(headers: Headers): boolean {
  const mode = headers.get('sec-fetch-mode');
  if (mode !== null) return mode === 'navigate';
  return /\btext\/html\b/i.test(headers.get('accept') ?? '');
}

/**
 * A refusal of the pasted token, told as one: the authenticator's words are about an
 * `Authorization` header that the person at the form never wrote.
 */
export function asTokenRefusal(error: unknown): unknown {
  if (
    error instanceof ApiError &&
    (error.code === 'invalid_credentials' || error.code === 'missing_credentials')
  ) {
    return new ApiError('invalid_credentials', REJECTED_TOKEN_MESSAGE, { headers: { ...error.headers } });
  }
  return error;
}
