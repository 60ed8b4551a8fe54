import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { round } from '../gpu-node/percentiles.ts';
import type { Cleanup } from './cleanup.ts';
import type { HandlerMode, HandlerResult } from './handler-protocol.ts';
import { stopChild } from './instant-pool.ts';
import { allKnockouts, type KnockoutName, knockoutDescriptions } from './knockout-catalog.ts';
import type { PhaseContext } from './phase-context.ts';

/** One handler variant's JS work per request, and what it saves against the unmodified edge. */
export interface HandlerVariantResult extends HandlerResult {
  readonly description: string;
  /** `full` wall µs minus this variant's. */
  readonly saved_us_per_request: number | null;
}

const benchPath = fileURLToPath(new URL('./handler-bench.ts', import.meta.url));

interface HandlerVariant {
  readonly name: string;
  readonly description: string;
  readonly mode: HandlerMode;
  readonly knockouts: readonly KnockoutName[];
}

const handlerVariants: readonly HandlerVariant[] = [
  {
    name: 'passthrough',
    description: 'fetch(new Request(upstream, request)): the floor',
    mode: 'passthrough',
    knockouts: [],
  },
  { name: 'full', description: 'the edge app as built (reference)', mode: 'edge', knockouts: [] },
  ...allKnockouts.map((name) => ({
    name,
    description: knockoutDescriptions[name],
    mode: 'edge' as const,
    knockouts: [name],
  })),
  { name: 'all-knockouts', description: 'every knock-out at once', mode: 'edge', knockouts: allKnockouts },
];

/**
 * The edge's JS work per request without any runtime: the edge Worker (with each variant's knock-outs)
 * called in-process in Node with stubbed bindings and an instant stubbed fetch, one process per
 * variant. Node's Request/Response and WebCrypto are slower than workerd's native ones, so
 * absolute figures are high; the differences between variants locate the edge's own work.
 */
export async function handlerPhase(
  context: PhaseContext,
  requests: number,
): Promise<Record<string, HandlerVariantResult>> {
  // Two passes, keeping each variant's faster one: on a shared host noise only ever adds time.
  const best = new Map<string, HandlerResult>();
  for (let pass = 1; pass <= 2; pass++) {
    for (const variant of handlerVariants) {
      context.log(`handler JS in Node, pass ${pass}: ${variant.name}`);
      const secret = context.credentials.edgeSecretJwk;
      const result = await runHandlerBench(variant, secret, requests, context.cleanup);
      const previous = best.get(variant.name);
      if (!previous || result.wall_us_per_request < previous.wall_us_per_request)
        best.set(variant.name, result);
    }
  }
  const measured = handlerVariants.flatMap((variant): Array<[HandlerVariant, HandlerResult]> => {
    const result = best.get(variant.name);
    return result ? [[variant, result]] : [];
  });
  const full = measured.find(([variant]) => variant.name === 'full')?.[1];
  return Object.fromEntries(
    measured.map(([variant, result]) => [
      variant.name,
      {
        description: variant.description,
        ...result,
        saved_us_per_request: full ? round(full.wall_us_per_request - result.wall_us_per_request, 1) : null,
      },
    ]),
  );
}

function runHandlerBench(
  variant: HandlerVariant,
  secret: string,
  requests: number,
  cleanup: Cleanup,
): Promise<HandlerResult> {
  const child = spawn(
    process.execPath,
    [benchPath, variant.mode, variant.knockouts.join(','), String(requests)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BENCH_EDGE_SIGNING_KEY: secret } },
  );
  const release = cleanup.add(() => stopChild(child));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString('utf8')}`.slice(-2000);
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      void release();
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`handler bench ${variant.name} exited with ${code}: ${stderr || stdout}`));
        return;
      }
      resolve(JSON.parse(line) as HandlerResult);
    });
  });
}
