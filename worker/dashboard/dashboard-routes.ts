import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import {
  clearedSessionCookie,
  mintDashboardSession,
  sessionCookie,
  sessionCookieValue,
} from '../auth/dashboard-session.ts';
import type { Principal } from '../auth/index.ts';
import { publicOriginOf } from '../config.ts';
import { access } from '../middleware/access.ts';
import { limitBody } from '../middleware/body-limit.ts';
import {
  bodyErrors,
  emptyResponse,
  errorResponses,
  jsonResponse,
  mediaResponse,
  routeGroup,
} from '../openapi/index.ts';
import { type DashboardAsset, dashboardScriptAsset, dashboardStyleAsset } from './dashboard-assets.ts';
import { assetHeaders, dashboardPageHeaders, dashboardSecurityHeaders } from './dashboard-headers.ts';
import { assetPaths, dashboardPage, signInPage } from './dashboard-pages.ts';
import { requireSameOrigin } from './same-origin.ts';
import {
  asTokenRefusal,
  DASHBOARD_PATH,
  isFormNavigation,
  refusalReason,
  refusedLocation,
  signInNotice,
  TENANT_CREDENTIAL_MESSAGE,
} from './sign-in-outcome.ts';

const dashboard = { tags: ['Dashboard'], ...access('public') };

const getDashboard = createRoute({
  ...dashboard,
  method: 'get',
  path: '/dashboard',
  operationId: 'getDashboard',
  summary: 'The operator dashboard (HTML)',
  description:
    'The live fleet page for a signed-in operator (session cookie), else the sign-in form. Strict CSP: ' +
    'the page runs only its own script from `/dashboard/assets/`.',
  request: {
    query: z.object({
      error: z
        .string()
        .optional()
        .describe('Why the last form sign-in was refused (`rejected`, `tenant`, …); picks a fixed message.'),
    }),
  },
  responses: { 200: mediaResponse('text/html', { type: 'string' }, 'The dashboard or the sign-in form.') },
});

function assetRoute(path: string, operationId: string, mediaType: string, summary: string) {
  return createRoute({
    ...dashboard,
    method: 'get',
    path,
    operationId,
    summary,
    responses: { 200: mediaResponse(mediaType, { type: 'string' }, summary) },
  });
}

const getScript = assetRoute(
  assetPaths.script,
  'getDashboardScript',
  'text/javascript',
  'The dashboard’s script (uPlot included)',
);
const getStyle = assetRoute(assetPaths.style, 'getDashboardStyle', 'text/css', 'The dashboard’s stylesheet');

/** Largest sign-in body read: an operator token is well under a kilobyte. */
const MAX_SIGN_IN_BYTES = 16 * 1024;

const signInSchema = z.object({
  token: z.string().min(1).describe('An operator token (`POST /v1/admin/tokens`); never put it in a URL.'),
});

const sessionSchema = z.object({
  subject: z.string().describe('The operator token’s subject.'),
  expires_at: z.number().int().describe('When the session ends, Unix seconds.'),
});

const openSession = createRoute({
  ...dashboard,
  method: 'post',
  path: '/dashboard/session',
  operationId: 'openDashboardSession',
  summary: 'Sign in to the dashboard with an operator token',
  description:
    'Same-origin only (`Origin` must be the edge’s). Verifies the token as the admin API does and sets ' +
    'the `__Host-spillway_dash` cookie (HttpOnly, Secure, SameSite=Strict), valid for GET `/v1/admin/*` ' +
    'until the token expires, is revoked, or 12 hours pass. The browser’s own form post (a navigation: ' +
    '`Sec-Fetch-Mode: navigate`, or `Accept: text/html` without it) is answered `303` instead: to ' +
    '`/dashboard` signed in, or to `/dashboard?error=<reason>` refused; a cross-origin one is still 403.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': { schema: signInSchema },
        'application/x-www-form-urlencoded': { schema: signInSchema },
      },
    },
  },
  responses: {
    200: jsonResponse(sessionSchema, 'Signed in; `Set-Cookie` carries the session.'),
    303: {
      description:
        'A browser form post: `Location` is `/dashboard` (signed in, `Set-Cookie` carries the session) ' +
        'or `/dashboard?error=<reason>` (refused).',
      headers: { location: { schema: { type: 'string' }, description: 'Where the browser goes next.' } },
    },
    ...errorResponses('public', [
      ...bodyErrors,
      'missing_credentials',
      'invalid_credentials',
      'insufficient_scope',
    ]),
  },
});

const closeSession = createRoute({
  ...dashboard,
  method: 'delete',
  path: '/dashboard/session',
  operationId: 'closeDashboardSession',
  summary: 'Sign out of the dashboard',
  description: 'Same-origin only. Deletes the session cookie; the operator token itself stays valid.',
  responses: { 204: emptyResponse('Signed out.'), ...errorResponses('public', ['insufficient_scope']) },
});

/** The operator dashboard: its page, assets and session routes (docs/dashboard.md). */
export const dashboardRoutes = routeGroup<AppEnv>();

dashboardRoutes.openapi(getDashboard, async (context) => {
  const cookie = sessionCookieValue(context.req.header('cookie'));
  const operator =
    cookie === undefined ? null : await sessionOperator(context.var.deps.authenticator, cookie);
  if (operator !== null) {
    return context.body(dashboardPage(operator.subject, operator.expiresAt), 200, dashboardPageHeaders);
  }
  const notice = signInNotice(context.req.valid('query').error);
  if (cookie === undefined) return context.body(signInPage(notice), 200, dashboardPageHeaders);
  // A cookie that no longer verifies (expired, revoked, signed by a rotated-out key) is deleted.
  return context.body(signInPage(notice ?? 'Your session has ended: sign in again.'), 200, {
    ...dashboardPageHeaders,
    'set-cookie': clearedSessionCookie(),
  });
});

const serve = (asset: DashboardAsset) => assetHeaders(asset.contentType);
dashboardRoutes.openapi(getScript, (context) =>
  context.body(dashboardScriptAsset.body, 200, serve(dashboardScriptAsset)),
);
dashboardRoutes.openapi(getStyle, (context) =>
  context.body(dashboardStyleAsset.body, 200, serve(dashboardStyleAsset)),
);

/** What a session answer carries besides its body (and the cookie). */
const signedInHeaders = { ...dashboardSecurityHeaders, 'cache-control': 'no-store' };

// Documented with both body types; mounted without zod-openapi's body validator, which knows
// neither the size limit nor the envelope (as `openapiWithJsonBody` does for JSON routes).
const { middleware: _policy, ...documented } = openSession;
dashboardRoutes.openAPIRegistry.registerPath(documented);
dashboardRoutes.openapi(
  { ...openSession, hide: true, request: {}, middleware: [limitBody(MAX_SIGN_IN_BYTES)] },
  async (context) => {
    const { deps } = context.var;
    const { headers } = context.req.raw;
    // Before anything else, and answered 403 even to a form post: a cross-site post is no sign-in.
    requireSameOrigin(headers, publicOriginOf(deps.config, context.req.url));
    if (!isFormNavigation(headers)) return context.json(await signInOperator(context), 200, signedInHeaders);
    const location = await signInOperator(context).then(
      () => DASHBOARD_PATH,
      (error: unknown) => {
        if (error instanceof ApiError) return refusedLocation(refusalReason(error));
        throw error;
      },
    );
    return context.body(null, 303, { ...signedInHeaders, location });
  },
);

/** Verifies the posted operator token and sets the session cookie; throws the refusal. */
async function signInOperator(context: Context<AppEnv>): Promise<{ subject: string; expires_at: number }> {
  const { deps } = context.var;
  const token = await readToken(context);
  const principal = await deps.authenticator.authenticate(`Bearer ${token}`).catch((error: unknown) => {
    throw asTokenRefusal(error);
  });
  if (principal.kind !== 'operator') throw new ApiError('insufficient_scope', TENANT_CREDENTIAL_MESSAGE);
  const session = await mintDashboardSession(await deps.edgeKeys(), principal, deps.now);
  if (session === null) throw new ApiError('invalid_credentials', 'the operator token has expired');
  console.log(
    JSON.stringify({
      level: 'info',
      msg: 'dashboard sign-in',
      request_id: context.get('requestId'),
      subject: principal.subject,
      expires_at: session.expiresAt,
    }),
  );
  context.header('set-cookie', sessionCookie(session.value, session.maxAgeSeconds));
  return { subject: principal.subject, expires_at: session.expiresAt };
}

dashboardRoutes.openapi(closeSession, (context) => {
  requireSameOrigin(context.req.raw.headers, publicOriginOf(context.var.deps.config, context.req.url));
  context.header('set-cookie', clearedSessionCookie());
  context.header('cache-control', 'no-store');
  return context.body(null, 204);
});

/** The token from a JSON or form body; any other type is 415, a missing token 400. */
async function readToken(context: Context<AppEnv>): Promise<string> {
  const contentType = context.req.header('content-type');
  // Decoded by hand: workerd warns on `.text()` of a body whose type it does not take for text.
  const text = new TextDecoder().decode(await context.req.arrayBuffer());
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) {
    const parsed = signInSchema.safeParse({ token: new URLSearchParams(text).get('token') ?? undefined });
    if (!parsed.success)
      throw new ApiError('invalid_request', 'token: an operator token is required', { param: 'token' });
    return parsed.data.token;
  }
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '')) {
    throw new ApiError('unsupported_media_type', 'send the token as application/json or a form');
  }
  return context.var.deps.parseJson(contentType, text, signInSchema).token;
}

/** The operator a session cookie stands for, or null when it is refused. */
async function sessionOperator(
  authenticator: { authenticate(authorization: undefined, session: string): Promise<Principal> },
  cookie: string,
): Promise<Extract<Principal, { kind: 'operator' }> | null> {
  try {
    const principal = await authenticator.authenticate(undefined, cookie);
    return principal.kind === 'operator' ? principal : null;
  } catch (error) {
    if (error instanceof ApiError) return null;
    throw error;
  }
}
