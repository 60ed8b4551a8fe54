import { type HealthContext, poolHealthOf } from '../admin/pool-health.ts';
import type { FleetSnapshot } from '../fleet/fleet-records.ts';
import { poolViewsOf } from '../fleet/pool-views.ts';
import type { Labels, MetricFamily, Sample } from './prometheus-text.ts';

/**
 * Gauges of every registered pool, from the registry's snapshot as routing reads it: load (queued,
 * running, slots, work; none for a pool that never reported), health (the verdict
 * `GET /v1/admin/pools` shows) and telemetry age.
 */
export function fleetFamilies(snapshot: FleetSnapshot, health: HealthContext): MetricFamily[] {
  const views = poolViewsOf(snapshot);
  const gauges = {
    queued: [] as Sample[],
    running: [] as Sample[],
    slots: [] as Sample[],
    queuedWork: [] as Sample[],
    runningWork: [] as Sample[],
    healthy: [] as Sample[],
    draining: [] as Sample[],
    health: [] as Sample[],
    age: [] as Sample[],
  };
  snapshot.pools.forEach((entry, index) => {
    const view = views[index];
    if (!view) return;
    const labels: Labels = { pool: view.poolId, provider: view.providerId, region: view.region };
    const verdict = poolHealthOf(entry, health);
    // A pool that never reported has no load to show: no samples rather than zeros that look measured.
    if (entry.telemetry !== null) {
      gauges.queued.push({ labels, value: view.queued });
      gauges.running.push({ labels, value: view.running });
      gauges.slots.push({ labels, value: view.slots });
    }
    if (typeof view.queuedWork === 'number') gauges.queuedWork.push({ labels, value: view.queuedWork });
    if (typeof view.runningWork === 'number') gauges.runningWork.push({ labels, value: view.runningWork });
    gauges.healthy.push({ labels, value: verdict === 'healthy' ? 1 : 0 });
    gauges.draining.push({ labels, value: view.draining ? 1 : 0 });
    gauges.health.push({ labels: { ...labels, health: verdict }, value: 1 });
    if (view.reportedAt !== null) {
      gauges.age.push({ labels, value: Math.max(0, health.now - view.reportedAt) / 1000 });
    }
  });
  const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples,
  });
  return [
    gauge(
      'spillway_pool_queued',
      'Requests waiting at the pool, as its last telemetry reported.',
      gauges.queued,
    ),
    gauge('spillway_pool_running', 'Requests running on the pool.', gauges.running),
    gauge('spillway_pool_slots', 'Requests the pool runs at once.', gauges.slots),
    gauge('spillway_pool_queued_work', 'Work waiting at the pool, megapixel-steps.', gauges.queuedWork),
    gauge('spillway_pool_running_work', 'Work running on the pool, megapixel-steps.', gauges.runningWork),
    gauge('spillway_pool_healthy', '1 when routing would send the pool work, else 0.', gauges.healthy),
    gauge('spillway_pool_draining', '1 when the pool or the operator drains it.', gauges.draining),
    gauge(
      'spillway_pool_health',
      'The pool health verdict (healthy, not_ready, stale, suspect, ejected, draining, disabled), value 1.',
      gauges.health,
    ),
    gauge(
      'spillway_pool_telemetry_age_seconds',
      'Seconds since the edge received the pool’s last telemetry.',
      gauges.age,
    ),
  ];
}
