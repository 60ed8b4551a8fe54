import { exports } from 'cloudflare:workers';
import { DASHBOARD_SESSION_COOKIE } from '../../auth/dashboard-session.ts';

/** The origin the dashboard tests address the Worker at; same-origin requests send it as `Origin`. */
export const EDGE_ORIGIN = 'http://edge.test';

/** Sends a request to the real Worker entry point (its Durable Objects included). */
export function callEdge(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(`${EDGE_ORIGIN}${path}`, init);
}

/** `POST /dashboard/session` with `token` as JSON, from the dashboard's own origin unless told. */
export function signIn(token: string, headers: Record<string, string> = {}): Promise<Response> {
  return callEdge('/dashboard/session', {
    method: 'POST',
    headers: { origin: EDGE_ORIGIN, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });
}

/** The session cookie's value in a `Set-Cookie` header; throws when there is none. */
export function sessionFrom(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  const match = new RegExp(`^${DASHBOARD_SESSION_COOKIE}=([^;]*)`).exec(header);
  if (!match?.[1]) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return match[1];
}

/** The `Cookie` header carrying a session value. */
export function cookieOf(session: string): Record<string, string> {
  return { cookie: `${DASHBOARD_SESSION_COOKIE}=${session}` };
}

/** The raw token of an `Authorization: Bearer …` value. */
export function bearerToken(authorization: string): string {
  return authorization.replace(/^Bearer /, '');
}
