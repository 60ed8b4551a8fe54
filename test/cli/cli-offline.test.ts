import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { jobEndedError } from '../../cli/follow-job.ts';
import type { JobResource } from '../../sdk/index.ts';
import { emptyPlace, expectOneLineError, linesOf, runCli } from './cli-runner.ts';

/** An edge URL at a port nothing listens on (bound, then closed). */
async function closedEdge(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** A job in a terminal state, as the edge answers it. */
function endedJob(status: JobResource['status'], error: JobResource['error'] = null): JobResource {
  const id = 'job_KsLQEAUoolJ8rMfKE_jsI24XDG';
  return {
    id,
    object: 'spillway.job',
    status,
    created_at: 1,
    updated_at: 2,
    model: 'spillway-tiny',
    queue_position: null,
    estimated_start_at: null,
    progress: null,
    result: null,
    error,
    pool_id: null,
    attempts: 1,
    status_url: `/v1/jobs/${id}`,
    events_url: `/v1/jobs/${id}/events`,
    cancel_url: `/v1/jobs/${id}`,
  };
}

describe('spillway CLI without an edge', () => {
  it('pools watch: an edge that never answers is shown on each refresh, then --count ends it with exit 4', async () => {
    const edge = await closedEdge();
    const json = await runCli(
      emptyPlace(),
      'pools',
      'watch',
      '--count',
      '1',
      '--json',
      '--edge',
      edge,
      '--token',
      'x',
    );
    expectOneLineError(
      json,
      4,
      new RegExp(`^error: cannot reach the edge at ${edge} \\(connection refused\\)`),
    );
    // One JSON line per refresh, as with an edge that answers: this one says why there are no pools.
    const lines = linesOf(json.stdout).map((line) => JSON.parse(line) as { at: number; error?: string });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.error).toMatch(/^cannot reach the edge at .* \(connection refused\)/);

    const table = await runCli(
      emptyPlace(),
      'pools',
      'watch',
      '--count',
      '2',
      '--interval',
      '1',
      '--edge',
      edge,
      '--token',
      'x',
    );
    expect(table.code).toBe(4);
    const headers = linesOf(table.stdout).filter((line) => line.startsWith('Every 1s: pools at'));
    expect(headers).toHaveLength(2);
    // Retried: the first header says when; the last refresh says only that the edge did not answer.
    expect(headers[0]).toMatch(/edge not answering \(retrying in 1s\)$/);
    expect(headers[1]).toMatch(/edge not answering$/);
  });

  it('jobs: an argument that is not a job id is a usage error (exit 2), before any request', async () => {
    const edge = await closedEdge();
    for (const command of ['get', 'watch', 'cancel']) {
      const run = await runCli(
        emptyPlace(),
        'jobs',
        command,
        'not-a-job-id',
        '--edge',
        edge,
        '--api-key',
        'sk_x',
      );
      expectOneLineError(run, 2, /argument 'id'.*expected a job id/);
    }
  });

  it('jobs: a job that ended without an image is named once, with the reason when it failed', () => {
    const canceled = jobEndedError(endedJob('canceled'));
    expect([canceled.message, canceled.exitCode]).toEqual(['job job_KsLQEAUoolJ8rMfKE_jsI24XDG canceled', 6]);
    const failed = jobEndedError(
      endedJob('failed', {
        type: 'server_error',
        code: 'upstream_failed',
        message: 'no pool could serve the request',
        param: null,
      }),
    );
    expect(failed.message).toBe(
      'job job_KsLQEAUoolJ8rMfKE_jsI24XDG failed: upstream_failed: no pool could serve the request',
    );
  });
});
