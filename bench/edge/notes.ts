import type { EdgeBenchOptions } from './edge-options.ts';
import { STALL_GAP_MS } from './stall-trace.ts';

/** How to read the figures: fixed caveats of this bench. */
export function benchNotes(options: EdgeBenchOptions): string[] {
  return [
    'The upstream is an instant gpu-node stand-in (child process, fixed one-image answer, load headers, signed heartbeats every 500 ms); it does not verify dispatch tokens.',
    `p50/p99 at 1 client: ${options.latencyRequests} sequential requests per path after ${options.warmupRequests} warm-up, interleaved across paths in blocks of 25; rps: ${options.clients} closed-loop clients on keep-alive connections for ${options.durationMs} ms after 500 ms of warm-up.`,
    'Load generator, workerd, Miniflare/wrangler Node processes and the upstream share this host’s cores, so rps is the whole machine’s limit, not workerd’s alone.',
    'In Miniflare, the bare Worker and Spillway are both started by startEdgeRuntime (scripts/local-stack/edge-runtime.ts), the bare one through a throwaway project whose worker/index.ts is the passthrough, each in its own Node process: both get exactly the runtime settings npm start uses, whatever that file sets.',
    'wrangler dev runs with its defaults (its dev proxy Worker in front, a log line per request in its Node process), from a temporary wrangler.toml and .dev.vars.',
    `portkey: @portkey-ai/gateway started with its defaults (--headless) on this bench's own Node (${process.version}; under npm run, the project's Node 22), its openai provider sent to the same instant upstream (x-portkey-custom-host; the upstream answers OpenAI's /v1/images/generations with the same one-image body), same body, same load generator, its rounds alternating with Spillway's.`,
    `stalls: a gap of at least ${STALL_GAP_MS} ms between two consecutive completions in a timed window at ${options.clients} clients, every client waiting (bench/edge/stall-trace.ts); counted over all the path's windows (window_s).`,
    'added_p50_ms in each path is its p50 minus the upstream’s own p50 measured in the same interleaved run.',
    'cpu_ms_per_request_1_client / _loaded: user+system CPU of the process tree serving the path (workerd; node = Miniflare’s or wrangler’s Node side) during the timed requests, from /proc (10 ms ticks), divided by requests served.',
    'breakdown: the edge built with knock-out collaborators through createEdgeWorker({ customize }) (bench/edge/knockout-catalog.ts), all variants running side by side in Miniflare, heartbeats every 1 s; p50 differences below ~0.2 ms are within this host’s noise.',
    'handler_js: the edge Worker (createEdgeWorker with each variant’s knock-outs) called in-process in Node with stubbed Durable Objects and an instant stubbed fetch; Node’s Request/Response/WebCrypto are slower than workerd’s native ones, so read differences, not absolutes.',
  ];
}
