import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  BackendCallError,
  type BackendProgress,
  httpFailureError,
  noAnswerError,
} from '../../backends/index.ts';
import { ApiError, errorEnvelope, jobSubmitRequestSchema } from '../../shared/index.ts';
import { fullJitterDelay } from './backoff.ts';
import { decideJobFailure, jobRetryDelayMs } from './job-failure.ts';
import type { NewJob } from './job-record.ts';
import { checkWebhookUrl, jobIdFor, submissionFingerprint, withoutNamedDefaults } from './job-submission.ts';
import { initialRecord, nextWebhookDelivery, sameSubmission, watchdogVerdict } from './job-transitions.ts';
import { preferredWaitSeconds } from './prefer-wait.ts';
import { throttleProgress } from './progress-throttle.ts';

describe('job helpers', () => {
  it('prefer wait: reads wait=N among other preferences, caps it at 60 and ignores malformed ones', () => {
    expect(preferredWaitSeconds(undefined)).toBeNull();
    expect(preferredWaitSeconds('wait=10')).toBe(10);
    expect(preferredWaitSeconds('respond-async, wait=30')).toBe(30);
    expect(preferredWaitSeconds('wait=600')).toBe(60);
    expect(preferredWaitSeconds('wait=soon')).toBeNull();
    expect(preferredWaitSeconds('return=minimal')).toBeNull();
  });

  it('webhook schedule: a failure is retried; delivered, 410 Gone or the last attempt ends it', () => {
    const settings = { webhookMaxAttempts: 5, webhookRetryBaseMs: 1_000, webhookMaxDelayMs: 60_000 };
    const next = (outcome: 'delivered' | 'failed' | 'gone', attempt: number) =>
      nextWebhookDelivery(outcome, attempt, settings as Parameters<typeof nextWebhookDelivery>[2], 0);
    expect(next('failed', 1)).toMatchObject({ attempts: 1 });
    expect(next('gone', 1)).toBeNull();
    expect(next('delivered', 1)).toBeNull();
    expect(next('failed', 5)).toBeNull();
  });

  it('backoff: full jitter stays within [0, min(cap, base * 2^attempt))', () => {
    expect(fullJitterDelay(0, { baseMs: 1_000, capMs: 30_000, random: () => 0.999 })).toBe(999);
    expect(fullJitterDelay(3, { baseMs: 1_000, capMs: 30_000, random: () => 0.5 })).toBe(4_000);
    expect(fullJitterDelay(10, { baseMs: 1_000, capMs: 30_000, random: () => 0.999 })).toBe(29_970);
    expect(fullJitterDelay(2, { baseMs: 1_000, capMs: 30_000, random: () => 0 })).toBe(0);
  });

  it('progress: positions only when they change, steps at most every 500 ms', () => {
    const seen: BackendProgress[] = [];
    let clock = 0;
    const report = throttleProgress(
      (progress) => seen.push(progress),
      () => clock,
    );
    report({ kind: 'queued', position: 2 });
    report({ kind: 'queued', position: 2 });
    report({ kind: 'progress', step: 1, steps: 10 });
    clock = 100;
    report({ kind: 'progress', step: 2, steps: 10 });
    clock = 600;
    report({ kind: 'progress', step: 5, steps: 10 });
    expect(seen).toEqual([
      { kind: 'queued', position: 2 },
      { kind: 'progress', step: 1, steps: 10 },
      { kind: 'progress', step: 5, steps: 10 },
    ]);
  });

  it('progress: a second copy starting over elsewhere never moves the job backwards', () => {
    const seen: BackendProgress[] = [];
    let clock = 0;
    const report = throttleProgress(
      (progress) => seen.push(progress),
      () => clock,
    );
    report({ kind: 'progress', step: 6, steps: 10 });
    clock = 1_000;
    report({ kind: 'queued', position: 3 });
    report({ kind: 'progress', step: 2, steps: 10 });
    clock = 2_000;
    report({ kind: 'progress', step: 6, steps: 10 });
    report({ kind: 'progress', step: 7, steps: 10 });
    expect(seen).toEqual([
      { kind: 'progress', step: 6, steps: 10 },
      { kind: 'progress', step: 7, steps: 10 },
    ]);
  });

  it('webhook url: private hosts, userinfo and plain http are refused unless local development allows them', () => {
    const refused = (url: string, allowPrivate = false) => {
      try {
        checkWebhookUrl(url, allowPrivate);
        return null;
      } catch (error) {
        return error instanceof ApiError ? [error.code, error.param] : error;
      }
    };
    expect(refused('https://hooks.example.com/spillway')).toBeNull();
    expect(refused('HTTPS://hooks.example.com/spillway')).toBeNull();
    expect(refused('https://8.8.8.8:8443/spillway')).toBeNull();
    for (const bad of [
      'http://hooks.example.com/x',
      'https://127.0.0.1/x',
      'https://169.254.169.254/',
      'https://[::1]/',
      'https://a:b@hooks.example.com/',
      'https://2130706433/',
      'https://[::ffff:169.254.169.254]/',
      'https://[::127.0.0.1]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://[2002:a9fe:a9fe::]/',
      'https://[fe90::1]/',
      'https://[fec0::1]/',
      'https://[ff02::1]/',
      'https://224.0.0.1/',
      'https://198.18.0.1/',
      'https://localhost./',
      'https://metadata.google.internal./',
      'https://hooks.internal/',
      'ftp://hooks.example.com/x',
    ]) {
      expect(refused(bad)).toEqual(['invalid_request', 'webhook']);
    }
    expect(refused('http://127.0.0.1:9000/hook', true)).toBeNull();
    expect(refused('http://localhost.:9000/hook', true)).toBeNull();
    expect(refused('https://a:b@hooks.example.com/', true)).toEqual(['invalid_request', 'webhook']);
  });

  it('job ids: random without a key, derived per tenant and key with one, malformed keys refused', async () => {
    const random = await jobIdFor(env.EDGE_SIGNING_KEY, 'acme', undefined);
    expect(random).toMatch(/^job_[A-Za-z0-9_-]{26}$/);
    expect(await jobIdFor(env.EDGE_SIGNING_KEY, 'acme', undefined)).not.toBe(random);
    const keyed = await jobIdFor(env.EDGE_SIGNING_KEY, 'acme', 'k-1');
    expect(await jobIdFor(env.EDGE_SIGNING_KEY, 'acme', '"k-1"')).toBe(keyed);
    expect(await jobIdFor(env.EDGE_SIGNING_KEY, 'acme', 'k-1 ')).toBe(keyed);
    expect(await jobIdFor(env.EDGE_SIGNING_KEY, 'acme', ' "k-1"\t')).toBe(keyed);
    await expect(jobIdFor(env.EDGE_SIGNING_KEY, 'acme', 'has space')).rejects.toBeInstanceOf(ApiError);
    await expect(jobIdFor(env.EDGE_SIGNING_KEY, 'acme', '')).rejects.toBeInstanceOf(ApiError);
  });

  it('fingerprint: the same request with defaults spelled out matches, another prompt does not', async () => {
    const parse = (body: object) => jobSubmitRequestSchema.parse(body);
    const plain = await submissionFingerprint(parse({ prompt: 'fox' }));
    expect(await submissionFingerprint(parse({ n: 1, prompt: 'fox', priority: 'normal' }))).toBe(plain);
    expect(await submissionFingerprint(parse({ prompt: 'owl' }))).not.toBe(plain);
    // Optional fields named with what leaving them out means, the edge's default deadline included.
    const named = parse({ prompt: 'fox', background: 'auto', moderation: 'auto', deadline_ms: 600_000 });
    expect(await submissionFingerprint(withoutNamedDefaults(named, 600_000))).toBe(plain);
    const other = parse({ prompt: 'fox', deadline_ms: 30_000 });
    expect(await submissionFingerprint(withoutNamedDefaults(other, 600_000))).not.toBe(plain);
    expect(
      await submissionFingerprint(withoutNamedDefaults(parse({ prompt: 'fox', background: 'opaque' }), 1)),
    ).not.toBe(plain);
  });

  it('watchdog: fails a job at its deadline, enqueues it again when its claim lapsed or its message was lost', () => {
    const submitted: NewJob = {
      id: 'job_1',
      tenant: { id: 'acme', tier: 'paid', allowed_providers: [], allowed_regions: [] },
      fingerprint: 'fp-1',
      request: { prompt: 'a fox', n: 1, response_format: 'b64_json', priority: 'normal', seed: 7 },
      webhook: null,
      origin: 'http://edge.test',
      deadlineAt: 60_000,
    };
    const queued = { ...initialRecord(submitted, 0), dueAt: 0 };
    expect(watchdogVerdict(queued, 1_000, 5_000)).toBeNull();
    expect(watchdogVerdict(queued, 5_000, 5_000)).toBe('message_lost');
    const claimed = { ...queued, claim: { serial: 1, until: 10_000 }, dueAt: null };
    expect(watchdogVerdict(claimed, 9_999, 5_000)).toBeNull();
    expect(watchdogVerdict(claimed, 10_000, 5_000)).toBe('claim_lapsed');
    expect(watchdogVerdict(claimed, 60_000, 5_000)).toBe('deadline');
    // A replay is the same body from the same tenant and app user; anything else is another job.
    expect(sameSubmission(queued, submitted)).toBe(true);
    expect(sameSubmission(queued, { ...submitted, fingerprint: 'fp-2' })).toBe(false);
    expect(sameSubmission(queued, { ...submitted, owner: 'user-1' })).toBe(false);
  });

  it('failure: a pool’s job_canceled for a job that was not canceled is tried again, never failed as a cancel', () => {
    const canceledAtPool = httpFailureError({
      status: 409,
      envelope: errorEnvelope('job_canceled', 'the job was canceled', ''),
      retryAfterSeconds: null,
      load: null,
    });
    expect(decideJobFailure(canceledAtPool, 'spillway-tiny')).toMatchObject({
      kind: 'retry',
      error: { code: 'job_canceled' },
    });
    const deadline = noAnswerError('deadline_exceeded', undefined, 'too late');
    expect(decideJobFailure(deadline, 'spillway-tiny').kind).toBe('fail');
  });

  it('retry: a job that found no room waits for the drain the fleet measured, whatever its tries; a pool failure backs off', () => {
    const shed = new BackendCallError({
      message: 'the fleet is too busy for free-tier requests right now',
      status: 503,
      code: 'shed',
      retryable: true,
      workStarted: false,
      retryAfterSeconds: 2,
    });
    const full = decideJobFailure(shed, 'spillway-tiny');
    expect(full).toMatchObject({ kind: 'retry', waitsForRoom: true, retryAfterMs: 2_000 });
    if (full.kind !== 'retry') return;
    // The fifth try, at both ends of the jitter: 2-2.5 s, not up to 16 s of backoff.
    expect(jobRetryDelayMs(full, 5, () => 0)).toBe(2_000);
    expect(jobRetryDelayMs(full, 5, () => 0.999_999)).toBeCloseTo(2_500, 0);
    const failed = decideJobFailure(noAnswerError('connection_failed', undefined, 'reset'), 'spillway-tiny');
    expect(failed).toMatchObject({ kind: 'retry', waitsForRoom: false });
    if (failed.kind !== 'retry') return;
    expect(jobRetryDelayMs(failed, 5, () => 0.999_999)).toBeGreaterThan(15_000);
    // No drain figure: backoff, as for a failure.
    expect(jobRetryDelayMs({ retryAfterMs: 0, waitsForRoom: true }, 3, () => 0.5)).toBe(2_000);
  });
});
