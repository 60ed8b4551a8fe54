import type { KeyObject } from 'node:crypto';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { dispatchToken } from '../../test/support/keys.ts';
import { round } from '../gpu-node/percentiles.ts';

/** Each pool's image-steps run so far: its `spillway_batch_size` histogram's sum (images per step, over its steps). */
export type ImageSteps = Record<string, number>;

/**
 * What the pools computed during the overload against what the clients were answered with: every
 * step a pool ran is counted by its own metrics, so copies that lost (hedges, tied pairs, moves,
 * work whose client had gone) show as the difference.
 */
export interface PoolComputeSummary {
  /** Image-steps the pools ran, all pools. */
  readonly computed_image_steps: number;
  /** Image-steps of the images answered with a 200 (images x the request's steps). */
  readonly delivered_image_steps: number;
  /** 1 - delivered / computed: the share of the fleet's compute no client got. */
  readonly unused_share: number | null;
  readonly per_pool: ImageSteps;
}

/**
 * Reads every pool's image-steps from its `/metrics`, with a token minted as the edge mints them
 * (`edgeKey`); a pool that cannot be read counts 0.
 */
export async function imageStepsByPool(
  pools: ReadonlyArray<{ id: string; url: string }>,
  edgeKey: KeyObject,
): Promise<ImageSteps> {
  const entries = await Promise.all(
    pools.map(async ({ id, url }) => {
      const families = await metricFamilies(`${url}/metrics`, await dispatchToken(edgeKey, { audience: id }));
      const batchSize = families.find((family) => family.name === 'spillway_batch_size');
      const sum = (batchSize?.metrics ?? []).reduce((total, sample) => total + Number(sample.sum ?? 0), 0);
      return [id, sum] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** The pools' compute between two readings, against the images delivered in between. */
export function poolCompute(
  before: ImageSteps,
  after: ImageSteps,
  deliveredImageSteps: number,
): PoolComputeSummary {
  const perPool = Object.fromEntries(
    Object.entries(after).map(([id, steps]) => [id, Math.max(0, steps - (before[id] ?? 0))]),
  );
  const computed = Object.values(perPool).reduce((sum, steps) => sum + steps, 0);
  return {
    computed_image_steps: computed,
    delivered_image_steps: deliveredImageSteps,
    unused_share: computed > 0 ? round(1 - deliveredImageSteps / computed, 4) : null,
    per_pool: perPool,
  };
}

/** Pool calls by how they ended, all pools (the edge's `spillway_pool_attempts_total`). */
export type AttemptOutcomes = Record<string, number>;

/** Reads the edge's pool attempts by outcome from `GET /v1/admin/metrics`; empty if it cannot. */
export async function attemptOutcomes(edgeUrl: string, operatorToken: string): Promise<AttemptOutcomes> {
  const families = await metricFamilies(`${edgeUrl}/v1/admin/metrics`, operatorToken);
  const attempts = families.find((family) => family.name === 'spillway_pool_attempts_total');
  const byOutcome: AttemptOutcomes = {};
  for (const sample of attempts?.metrics ?? []) {
    const outcome = sample.labels?.outcome ?? 'unknown';
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + Number(sample.value ?? 0);
  }
  return byOutcome;
}

/** The attempts between two readings, by outcome. */
export function attemptsBetween(before: AttemptOutcomes, after: AttemptOutcomes): AttemptOutcomes {
  return Object.fromEntries(
    Object.entries(after).map(([outcome, count]) => [outcome, Math.max(0, count - (before[outcome] ?? 0))]),
  );
}

/** A Prometheus text endpoint read with a bearer token; no families when it cannot be read. */
function metricFamilies(url: string, token: string): Promise<PrometheusFamily[]> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } })
    .then((response) => (response.ok ? response.text() : ''))
    .then(parsePrometheusTextFormat)
    .catch((): PrometheusFamily[] => []);
}
