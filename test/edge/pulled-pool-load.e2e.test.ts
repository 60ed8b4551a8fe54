import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import {
  type OpenAiImagesServer,
  startOpenAiImagesServer,
} from '../support/providers/openai-images-server.ts';
import {
  generateViaEdge,
  listingOf,
  startTestStack,
  waitForRegistry,
  waitForTelemetry,
} from './edge-stack.ts';

// A provider that pushes no telemetry is reported on by the registry from the isolates' outcome
// summaries (worker/fleet/pull-telemetry.ts), so its report lags the isolate's own requests by a
// summary and a report. Requests that ended after the summary must count as gone: the edge refused
// sync requests with a deadline ("no pool could start this request before its deadline") on a pool
// that was idle, for the seconds until the next report. Assertions are on answers, not on timings.

const request = { model: 'spillway-tiny', prompt: 'a lighthouse at dusk', size: '256x256' };
/** How long the provider takes per generation, ms: slow for the first burst, then fast. */
const latency = { ms: 3_000 };

let stack: LocalStack;
let hosted: OpenAiImagesServer;

beforeAll(async () => {
  [stack, hosted] = await Promise.all([
    startTestStack(),
    startOpenAiImagesServer({ latencyMs: () => latency.ms, capacity: 16 }),
  ]);
  await waitForTelemetry(stack);
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  await admin.putProvider({
    id: 'hosted',
    name: 'Hosted images API',
    protocol: 'openai-compatible',
    credentials: { api_key: 'sk-pulled-load-e2e-1234567890' },
  });
  // No declared speed: until the edge has measured one, its requests' size on this pool is unknown.
  await admin.putPool({
    id: 'hosted-1',
    provider_id: 'hosted',
    url: hosted.url,
    region: 'local',
    models: ['spillway-tiny'],
    capacity: 2,
    upstream: { model: 'dall-e-2' },
  });
  await waitForRegistry(stack, 'hosted-1 reported by the edge', (pools) =>
    Boolean(listingOf(pools, 'hosted-1')?.telemetry),
  );
  await Promise.all([admin.drain('pool-a'), admin.drain('pool-b')]);
  await waitForTelemetry(stack);
}, 180_000);

afterAll(async () => {
  await Promise.all([stack?.stop(), hosted?.close()]);
});

describe('a pool the edge reports on itself, right after a slow burst', () => {
  it('serves deadline requests once the burst is over: the ended requests no longer count as load', async () => {
    // Three at once on two slots: two run and one waits at the provider, 3 s each.
    const slow = await Promise.all(Array.from({ length: 3 }, () => generateViaEdge(stack, request)));
    expect(slow.map((answer) => answer.status)).toEqual([200, 200, 200]);
    latency.ms = 20;
    // The burst is over; the report in the snapshot was written from a summary taken while it ran.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const answers: string[] = [];
    for (let index = 0; index < 10; index++) {
      const answer = await generateViaEdge(stack, { ...request, deadline_ms: 1_500 });
      answers.push(answer.status === 200 ? '200' : `${answer.status} ${JSON.stringify(answer.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(answers).toEqual(Array(10).fill('200'));
  }, 60_000);
});
