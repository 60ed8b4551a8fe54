/** Bindings of the passthrough Worker. */
export interface PassthroughEnv {
  /** Origin every request is forwarded to, e.g. `http://127.0.0.1:4000`. */
  readonly UPSTREAM_URL: string;
}

/**
 * The bare passthrough: forwards each request (method, headers, streamed body) to the same path
 * on `UPSTREAM_URL` and returns the upstream's response untouched. Nothing else runs, so its
 * latency and throughput are what the runtime itself allows on this host, the floor Spillway's
 * edge is compared against.
 *
 * @example
 * // env.UPSTREAM_URL = 'http://127.0.0.1:4000'
 * // POST /v1/generate → POST http://127.0.0.1:4000/v1/generate
 */
const passthroughWorker = {
  fetch(request: Request, env: PassthroughEnv): Promise<Response> {
    const url = new URL(request.url);
    return fetch(new Request(`${env.UPSTREAM_URL}${url.pathname}${url.search}`, request));
  },
};

export default passthroughWorker;
