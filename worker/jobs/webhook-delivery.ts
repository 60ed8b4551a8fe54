import { webhookHeaderNames } from '../../shared/index.ts';
import { signWebhook, webhookSecret } from '../auth/webhook-signature.ts';
import type { EdgeConfig } from '../config.ts';
import type { JobRecord } from './job-record.ts';
import { toJobResource } from './job-view.ts';

/** How long one delivery may take before it counts as failed. */
const DELIVERY_TIMEOUT_MS = 10_000;

/** How one webhook delivery went; the job object schedules a retry for anything but `delivered`. */
export type WebhookOutcome = 'delivered' | 'failed';

/**
 * POSTs the job's terminal {@link JobResource} to its webhook, signed Standard Webhooks style
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`; see `shared/schemas/job-resource.ts`).
 * `webhook-id` is the same on every retry, so receivers can drop duplicates. Redirects are not
 * followed (the URL was checked against SSRF at submission, a redirect target was not).
 * Failure details go to the log without the URL's query (it may carry the receiver's token).
 */
export async function deliverWebhook(
  config: EdgeConfig,
  record: JobRecord,
  attempt: number,
): Promise<WebhookOutcome> {
  if (record.webhook === null) return 'delivered';
  const now = Date.now();
  const resource = await toJobResource(record, {
    edgeSigningKey: config.edgeSigningKey,
    urlTtlSeconds: config.jobs.resultUrlTtlSeconds,
    nowMs: now,
  });
  const body = JSON.stringify(resource);
  const id = `msg_${record.id}`;
  const timestamp = Math.floor(now / 1000);
  const secret = await webhookSecret(config.edgeSigningKey, record.tenant.id);
  const signature = await signWebhook(secret, { id, timestamp, body });
  try {
    const response = await fetch(record.webhook, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Spillway-Webhooks/1',
        [webhookHeaderNames.id]: id,
        [webhookHeaderNames.timestamp]: String(timestamp),
        [webhookHeaderNames.signature]: signature,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return 'delivered';
    logFailure(record, attempt, `answered ${response.status}`);
  } catch (error) {
    logFailure(record, attempt, error instanceof Error ? error.name : 'fetch failed');
  }
  return 'failed';
}

function logFailure(record: JobRecord, attempt: number, reason: string): void {
  const target = record.webhook === null ? '' : new URL(record.webhook);
  const where = target === '' ? '' : `${target.protocol}//${target.host}${target.pathname}`;
  console.warn(
    JSON.stringify({
      level: 'warn',
      msg: 'webhook delivery failed',
      job_id: record.id,
      attempt,
      target: where,
      reason,
    }),
  );
}
