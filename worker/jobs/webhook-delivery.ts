import { webhookHeaderNames } from '../../shared/index.ts';
import { signWebhook, type WebhookSignatureInput, webhookSecret } from '../auth/webhook-signature.ts';
import { type EdgeConfig, edgeConfigOf } from '../config.ts';
import { checkOutboundUrl } from '../net/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import type { WebhookGenerations } from '../tenants/webhook-generations.ts';
import type { JobRecord } from './job-record.ts';
import { nextWebhookDelivery } from './job-transitions.ts';
import { toJobResource } from './job-view.ts';

/** How long one delivery may take before it counts as failed. */
const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * How one webhook delivery went; the job object schedules a retry after `failed`. `gone`: the
 * receiver answered 410 Gone, which Standard Webhooks reads as "this endpoint is disabled, stop".
 */
export type WebhookOutcome = 'delivered' | 'failed' | 'gone';

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
  generations: WebhookGenerations,
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
  const signature = await webhookSignatureHeader(config.edgeSigningKeys, record.tenant.id, generations, {
    id,
    timestamp,
    body,
  });
  // Checked again at delivery: the policy may have tightened since the job was submitted.
  const target = checkOutboundUrl(record.webhook, {
    allowPrivate: config.jobs.allowPrivateWebhooks,
    requireHttps: !config.jobs.allowPrivateWebhooks,
  });
  if (!target.ok) {
    logFailure(record, attempt, `url refused: ${target.refusal.reason}`);
    return 'failed';
  }
  try {
    const response = await fetch(target.url, {
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
    if (response.status === 410) return 'gone';
  } catch (error) {
    logFailure(record, attempt, error instanceof Error ? error.name : 'fetch failed');
  }
  return 'failed';
}

/**
 * The `webhook-signature` header: one `v1,` signature per secret still valid (Standard Webhooks:
 * space-separated), so a receiver still on the secret a rotation replaced verifies as well as one
 * already on the new secret. Secrets derive from the edge key, so during an `EDGE_SIGNING_KEY`
 * rotation each generation is signed under the current and the previous edge key.
 */
export async function webhookSignatureHeader(
  edgeSigningKeys: string | readonly string[],
  tenantId: string,
  generations: WebhookGenerations,
  input: WebhookSignatureInput,
): Promise<string> {
  const numbers = [generations.current, ...generations.previous.map((entry) => entry.generation)];
  const keys = typeof edgeSigningKeys === 'string' ? [edgeSigningKeys] : edgeSigningKeys;
  const signatures = await Promise.all(
    keys.flatMap((edgeSigningKey) =>
      numbers.map(async (generation) =>
        signWebhook(await webhookSecret(edgeSigningKey, tenantId, generation), input),
      ),
    ),
  );
  return signatures.join(' ');
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

/**
 * Delivers the webhook of an ended job whose delivery is due (attempt number: the last one's
 * plus one), signed with the tenant's secrets valid now; returns the next delivery's schedule,
 * or null when there is none (delivered, gone, or out of attempts).
 */
export async function deliverDueWebhook(
  env: Env,
  record: JobRecord,
  now: number,
): Promise<JobRecord['webhookDelivery']> {
  const attempt = (record.webhookDelivery?.attempts ?? 0) + 1;
  const generations = await tenantDirectoryOf(env).webhookGenerations(record.tenant.id, now);
  const config = edgeConfigOf(env);
  const outcome = await deliverWebhook(config, record, attempt, generations);
  return nextWebhookDelivery(outcome, attempt, config.jobs, Date.now());
}
