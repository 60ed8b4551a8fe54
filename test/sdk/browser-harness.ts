import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const sdkEntry = fileURLToPath(new URL('../../sdk/index.ts', import.meta.url));

/** A page origin on 127.0.0.1 serving a blank page and the SDK bundled for browsers. */
export interface PageServer {
  readonly url: string;
  /** The path of every request served, in order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
}

/** What the test page puts on `window`. */
export type SdkWindow = { spillway?: typeof import('../../sdk/index.ts') };

/**
 * Bundles the SDK with esbuild (ESM, browser platform) and serves it as `/spillway.js` next to an
 * empty `/` page, from its own port: calls to the edge are cross-origin, as from a real web app.
 */
export async function startPageServer(): Promise<PageServer> {
  const bundle = await build({
    entryPoints: [sdkEntry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '/');
    if (request.url === '/spillway.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(script);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    // The page exposes the bundle as `window.spillway` once loaded, as an app's own code would import it.
    response.end(
      '<!doctype html><title>sdk test</title><script type="module">' +
        "import * as spillway from '/spillway.js'; window.spillway = spillway;</script>",
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
