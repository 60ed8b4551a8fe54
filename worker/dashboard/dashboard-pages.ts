/** Where the page's one script and one stylesheet are served. */
export const assetPaths = {
  script: '/dashboard/assets/dashboard.js',
  style: '/dashboard/assets/dashboard.css',
} as const;

const escapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => escapes[character] ?? character);
}

function page(title: string, bodyClass: string, attributes: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${assetPaths.style}">
<script src="${assetPaths.script}" defer></script>
</head>
<body class="${bodyClass}"${attributes}>
${body}
</body>
</html>`;
}

/**
 * The sign-in form. The token goes in the body of a same-origin POST (the page's script sends it
 * as JSON and shows a refusal's message; without the script the browser posts the form and is
 * redirected back here with `notice`), never in a URL; the password field keeps it off screen.
 */
export function signInPage(notice: string | null = null): string {
  return page(
    'Spillway dashboard: sign in',
    'sign-in',
    '',
    `<main class="sign-in-card">
<h1>Spillway</h1>
<p class="muted">Operator dashboard</p>
<form id="sign-in" method="post" action="/dashboard/session">
<label for="token">Operator token</label>
<input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required>
<button type="submit">Sign in</button>
<p id="sign-in-error" class="error" role="alert"${notice === null ? ' hidden' : ''}>${escapeHtml(notice ?? '')}</p>
</form>
<p class="muted small">The token is exchanged for a session cookie that ends with it (at most 12 hours). Mint one with <code>spillway tokens create</code> (or <code>POST /v1/admin/tokens</code>).</p>
</main>`,
  );
}

/** The dashboard's shell; its script fills it from the admin API, polling. */
export function dashboardPage(subject: string, expiresAt: number): string {
  return page(
    'Spillway fleet',
    'dashboard',
    ` data-subject="${escapeHtml(subject)}" data-expires-at="${expiresAt}"`,
    `<header class="top">
<h1>Spillway fleet</h1>
<span id="updated" class="muted">connecting…</span>
<span class="spacer"></span>
<span class="muted">signed in as <strong>${escapeHtml(subject)}</strong></span>
<button id="sign-out" type="button">Sign out</button>
</header>
<main>
<section id="summary" class="summary" aria-label="Pools by health"></section>
<section aria-labelledby="fleet-title">
<h2 id="fleet-title">Fleet by provider and region</h2>
<div id="fleet"><p class="muted">loading…</p></div>
</section>
<section class="traffic" aria-label="Traffic in the last minute">
<div class="panel"><h2>Requests by tier <span class="muted" data-window></span></h2><div id="tiers" class="no-data">no data</div></div>
<div class="panel"><h2>Routing mix <span class="muted" data-window></span></h2><div id="routing" class="no-data">no data</div></div>
<div class="panel"><h2>Errors by type <span class="muted" data-window></span></h2><div id="errors" class="no-data">no data</div></div>
<div class="panel wide"><h2>Recent errors</h2><div id="recent-errors" class="no-data">no data</div></div>
</section>
</main>`,
  );
}
