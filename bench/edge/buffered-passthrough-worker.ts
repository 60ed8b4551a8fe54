import type { PassthroughEnv } from './passthrough-worker.ts';

/**
 * The passthrough, but holding both bodies in full as the edge must (it parses the request and
 * validates the answer): reads the request as text, posts that text upstream, reads the answer
 * as text and returns a new Response with it. No parsing, no other work; compared with the
 * streaming passthrough it shows what buffering alone costs in this runtime.
 */
const bufferedPassthroughWorker = {
  async fetch(request: Request, env: PassthroughEnv): Promise<Response> {
    const url = new URL(request.url);
    const body = await request.text();
    const upstream = await fetch(`${env.UPSTREAM_URL}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body,
    });
    const text = await upstream.text();
    return new Response(text, { status: upstream.status, headers: upstream.headers });
  },
};

export default bufferedPassthroughWorker;
