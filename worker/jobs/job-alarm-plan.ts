import { isTerminalJobStatus } from '../../shared/index.ts';
import type { JobSettings } from '../config.ts';
import type { JobRecord } from './job-record.ts';

/**
 * When a job object's one alarm should next fire (epoch ms), or null for never: the soonest of
 * its deadline, its claim lapsing (or, unclaimed, the watchdog for a lost message), its next
 * webhook delivery and its deletion after the retention period.
 */
export function nextAlarmAt(record: JobRecord, settings: JobSettings): number | null {
  const times: number[] = [];
  if (!isTerminalJobStatus(record.status)) {
    times.push(record.deadlineAt);
    if (record.claim) times.push(record.claim.until + 1);
    else times.push((record.dueAt ?? record.updatedAt) + settings.watchdogMs);
  }
  if (record.webhookDelivery) times.push(record.webhookDelivery.nextAt);
  if (record.expiresAt !== null) times.push(record.expiresAt);
  return times.length === 0 ? null : Math.min(...times);
}
