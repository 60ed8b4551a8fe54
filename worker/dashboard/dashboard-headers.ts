/**
 * The dashboard's Content-Security-Policy: its own script and styles only, nothing inline, no
 * framing, and fetches to this origin alone (the admin API the page reads).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers every dashboard answer carries, pages, assets and session answers alike. */
export const dashboardSecurityHeaders = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/** Headers of the HTML pages: never stored, since they show who is signed in. */
export const dashboardPageHeaders = {
  ...dashboardSecurityHeaders,
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
} as const;

/** Headers of a static asset of the given type; revalidated, as assets change with each deploy. */
export function assetHeaders(contentType: string): Record<string, string> {
  return { ...dashboardSecurityHeaders, 'content-type': contentType, 'cache-control': 'no-cache' };
}
