import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { HandlerMode, HandlerResult } from './handler-protocol.ts';
import {
  polyfillWorkerdCrypto,
  presentAsWorkers,
  stubEdgeEnv,
  stubPoolUrl,
  stubUpstreamFetch,
} from './handler-stubs.ts';
import { isKnockoutName, type KnockoutName, knockoutEntrySource } from './knockout-catalog.ts';
import { benchGenerationBody } from './spillway-setup.ts';

// One handler variant in its own process: the edge Worker (createEdgeWorker with the named
// knock-outs) or a passthrough, called in-process with stubbed bindings and an instant
// stubbed fetch. No runtime, no sockets: only the JS work per request, timed with V8 in Node.

type FetchHandler = (request: Request, env: unknown, context: unknown) => Response | Promise<Response>;

const [modeArgument = 'edge', knockoutList = '', countArgument = '4000'] = process.argv.slice(2);
// The throwaway edge key comes through the environment, not argv (visible to `ps`).
const secret = process.env.BENCH_EDGE_SIGNING_KEY ?? '';
const mode = modeArgument as HandlerMode;
const requests = Number(countArgument);
const executionContext = { waitUntil: () => undefined, passThroughOnException: () => undefined };

stubUpstreamFetch();
polyfillWorkerdCrypto();
presentAsWorkers();
const handler = await loadHandler(mode, knockoutList ? knockoutList.split(',').filter(isKnockoutName) : []);
const env = stubEdgeEnv(secret);
const apiKey = await wellFormedApiKey();
const call = async () => {
  const request =
    mode === 'edge'
      ? new Request('http://edge.local/v1/images/generations', {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: benchGenerationBody,
        })
      : new Request('http://edge.local/v1/generate', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: benchGenerationBody,
        });
  const response = await handler(request, env, executionContext);
  await response.text();
  if (response.status !== 200) throw new Error(`handler answered ${response.status}`);
};
for (let warm = 0; warm < Math.min(1_500, requests); warm++) await call();
const cpuBefore = process.cpuUsage();
const started = performance.now();
for (let sent = 0; sent < requests; sent++) await call();
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const result: HandlerResult = {
  requests,
  cpu_us_per_request: Math.round(((cpu.user + cpu.system) / requests) * 10) / 10,
  wall_us_per_request: Math.round(((wallMs * 1000) / requests) * 10) / 10,
};
process.stdout.write(`${JSON.stringify(result)}\n`);

async function loadHandler(kind: HandlerMode, knockouts: readonly KnockoutName[]): Promise<FetchHandler> {
  if (kind === 'passthrough') {
    return (request) => fetch(new Request(`${stubPoolUrl}${new URL(request.url).pathname}`, request));
  }
  const folder = await mkdtemp(join(tmpdir(), 'spillway-handler-'));
  try {
    const outfile = join(folder, 'edge.mjs');
    await build({
      stdin: {
        contents: knockoutEntrySource(knockouts, process.cwd(), { durableObjects: false }),
        resolveDir: process.cwd(),
        sourcefile: 'knockout-entry.ts',
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'es2023',
      outfile,
      external: ['cloudflare:*'],
      logLevel: 'warning',
    });
    const module: unknown = await import(pathToFileURL(outfile).href);
    return fetchOf(module);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function fetchOf(module: unknown): FetchHandler {
  const app = typeof module === 'object' && module !== null && 'default' in module ? module.default : null;
  if (typeof app !== 'object' || app === null || !('fetch' in app) || typeof app.fetch !== 'function') {
    throw new Error('the edge entry has no default export with fetch');
  }
  const fetchMethod = app.fetch;
  return (request, bindings, context) => fetchMethod.call(app, request, bindings, context);
}

/** A key in the product's format (`sk_live_` + 37 base62 characters with a valid checksum). */
async function wellFormedApiKey(): Promise<string> {
  const module: unknown = await import(pathToFileURL(join(process.cwd(), 'worker/auth/api-keys.ts')).href);
  if (typeof module !== 'object' || module === null || !('generateApiKey' in module)) {
    throw new Error('worker/auth/api-keys.ts has no generateApiKey');
  }
  const generate = module.generateApiKey;
  if (typeof generate !== 'function') throw new Error('generateApiKey is not a function');
  const generated: unknown = await generate();
  if (typeof generated !== 'object' || generated === null || !('key' in generated)) {
    throw new Error('generateApiKey returned no key');
  }
  return String(generated.key);
}
