import { docsScript } from './docs-script.ts';

const styles = `
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: #1d232a; display: flex; }
nav { position: sticky; top: 0; height: 100vh; overflow: auto; width: 280px; flex: none; padding: 16px; background: #f3f5f7; box-sizing: border-box; }
nav a { display: block; color: #334; text-decoration: none; font-size: 13px; padding: 2px 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
nav a.tag { font-weight: 600; margin-top: 12px; font-size: 14px; }
main { padding: 16px 32px; max-width: 980px; flex: 1; }
.operation { border-top: 1px solid #dde2e6; padding: 12px 0; }
.method { display: inline-block; min-width: 64px; font: 600 12px monospace; color: #fff; padding: 2px 6px; border-radius: 4px; margin-right: 8px; text-align: center; }
.get { background: #2f7d32; } .post { background: #1565c0; } .delete { background: #c62828; } .put { background: #ef6c00; }
code, pre { font-family: ui-monospace, monospace; font-size: 13px; } pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 360px; }
table { border-collapse: collapse; } td { border-bottom: 1px solid #eee; padding: 2px 8px; vertical-align: top; }
.try label { display: flex; gap: 8px; margin: 4px 0; } .try label span { width: 160px; font-family: monospace; }
.try input, textarea { flex: 1; font: 13px monospace; width: 100%; box-sizing: border-box; } .output img { display: block; image-rendering: pixelated; width: 256px; }
header { display: flex; gap: 8px; align-items: center; } header input { flex: 1; }
`;

/**
 * The `/docs` page: a self-contained reference that renders `/openapi.json` in the browser and can
 * send requests ("try it"). No CDN, so it works offline and under a strict CSP.
 */
export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spillway API reference</title>
<style>${styles}</style>
</head>
<body>
<nav id="nav"><strong>Spillway API</strong><br><a href="/openapi.json">openapi.json</a></nav>
<main>
<form id="auth"><header><label for="token">Bearer token</label><input id="token" type="password" autocomplete="off" placeholder="API key or JWT, kept in this page only"></header></form>
<div id="app"></div>
</main>
<script>${docsScript}</script>
</body>
</html>`;
}

/** Headers of the page: no framing, inline code only from this page, fetches only to this origin. */
export const docsPageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' blob:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
} as const;
