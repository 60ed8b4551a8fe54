import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack/local-stack.ts';
import { type JobResource, jobResourceSchema } from '../../shared/index.ts';

/**
 * Starts the real local stack for job tests: the edge in workerd with storage persisted to a
 * temporary folder (so it survives `restartEdge`), two single-worker gpu-node pools, fast
 * heartbeats, and the job timings the tests ask for.
 */
export function startJobStack(edgeVars: Record<string, string> = {}): Promise<LocalStack> {
  const folder = mkdtempSync(join(tmpdir(), 'spillway-jobs-'));
  const flags = ['--workers', '1', '--max-batch-size', '1'];
  return startLocalStack({
    stateFolder: folder,
    devVarsPath: join(folder, '.dev.vars'),
    edgePort: 0,
    persistFolder: join(folder, 'edge-state'),
    heartbeatIntervalMs: 200,
    telemetryTtlMs: 3_000,
    edgeVars,
    pools: [
      { id: 'pool-a', provider: 'provider-a', region: 'local', extraFlags: flags },
      { id: 'pool-b', provider: 'provider-b', region: 'local', extraFlags: flags },
    ],
  });
}

/** A second tenant with its own API key. */
export async function otherTenantKey(stack: LocalStack, id = 'other'): Promise<string> {
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  await admin.putTenant({ id, name: 'Other tenant', tier: 'paid' });
  return (await admin.mintKey(id)).key;
}

/** A small client for the jobs API with one tenant's key. */
export function jobsClient(stack: LocalStack, key = stack.apiKey) {
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });
  const read = async (response: Response) => ({
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  });
  return {
    submit: async (body: object, extra: Record<string, string> = {}) =>
      read(
        await fetch(`${stack.edgeUrl}/v1/jobs`, {
          method: 'POST',
          headers: headers({ 'content-type': 'application/json', ...extra }),
          body: JSON.stringify(body),
        }),
      ),
    get: async (id: string, extra: Record<string, string> = {}) =>
      read(await fetch(`${stack.edgeUrl}/v1/jobs/${id}`, { headers: headers(extra) })),
    cancel: async (id: string) =>
      read(await fetch(`${stack.edgeUrl}/v1/jobs/${id}`, { method: 'DELETE', headers: headers() })),
    events: (id: string, extra: Record<string, string> = {}) =>
      fetch(`${stack.edgeUrl}/v1/jobs/${id}/events`, {
        headers: headers({ accept: 'text/event-stream', ...extra }),
      }),
    webhookSecret: async () =>
      read(await fetch(`${stack.edgeUrl}/v1/webhooks/secret`, { headers: headers() })),
  };
}

/** Parses a body as a JobResource (throws on a contract violation). */
export function asJob(body: unknown): JobResource {
  return jobResourceSchema.parse(body);
}

/** Polls the job until `done` says so, or throws after `timeoutMs`. */
export async function waitForJob(
  client: ReturnType<typeof jobsClient>,
  id: string,
  done: (job: JobResource) => boolean,
  timeoutMs = 60_000,
): Promise<JobResource> {
  const deadline = Date.now() + timeoutMs;
  let last: JobResource | null = null;
  while (Date.now() < deadline) {
    const answer = await client.get(id);
    if (answer.status === 200) {
      last = asJob(answer.body);
      if (done(last)) return last;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} never reached the expected state; last seen ${JSON.stringify(last)}`);
}

/** One parsed server-sent event. */
export interface ServerSentEvent {
  readonly event: string;
  readonly id: string;
  readonly data: string;
}

/** Reads a whole SSE response (it ends after a terminal status) into its events. */
export async function readEvents(response: Response): Promise<ServerSentEvent[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const field = (name: string) =>
        lines
          .filter((line) => line.startsWith(`${name}:`))
          .map((line) => line.slice(name.length + 1).replace(/^ /, ''))
          .join('\n');
      return { event: field('event'), id: field('id'), data: field('data') };
    });
}

/** A generation that takes a few seconds on one CPU worker: long enough to act on mid-job. */
export const slowJob = { prompt: 'a slow lighthouse', size: '1024x1024', steps: 40 } as const;
/** A generation that takes well under a second. */
export const quickJob = { prompt: 'a red fox', size: '64x64', steps: 2 } as const;
