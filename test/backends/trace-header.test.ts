import { describe, expect, it } from 'vitest';
import type { FetchFunction } from '../../backends/backend.ts';
import { type BackendProtocol, backends } from '../../backends/registry.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A provider that refuses every call (400), recording the headers of each. */
function refusingFetch(seen: Headers[]): FetchFunction {
  return async (_url, init) => {
    seen.push(new Headers(init.headers));
    return Response.json({ error: { message: 'refused', type: 'invalid_request_error' } }, { status: 400 });
  };
}

const protocols = Object.keys(backends) as BackendProtocol[];

describe('adapters: every generation call carries the edge’s traceparent', () => {
  for (const protocol of protocols) {
    it(`${protocol}: sends the call's traceparent header, and none when the call has none`, async () => {
      for (const traceparent of [TRACEPARENT, undefined]) {
        const seen: Headers[] = [];
        const backend = backends[protocol]({ fetch: refusingFetch(seen) });
        await backend
          .generate({
            poolUrl: 'https://pool.example',
            jobId: 'job-1',
            request: {
              prompt: 'a lighthouse',
              n: 1,
              model: 'm',
              priority: 'normal',
              response_format: 'b64_json',
            },
            deadlineMs: 5_000,
            token: 'credential',
            upstream: { model: 'm', version: 'v1' },
            ...(traceparent ? { traceparent } : {}),
          })
          .catch(() => undefined);
        expect(seen.length).toBeGreaterThan(0);
        expect(seen[0]?.get('traceparent') ?? undefined).toBe(traceparent);
      }
    });
  }
});
