import type { z } from 'zod';
import { TenantAdmission } from '../../../worker/admission/tenant-admission.ts';
import type { Principal } from '../../../worker/auth/index.ts';
import type { EdgeDeps } from '../../../worker/edge-deps.ts';
import { EdgeObservability } from '../../../worker/observability/edge-observability.ts';
import type { KnockoutName } from '../knockout-catalog.ts';

// Type-checked with the Worker (worker/tsconfig.json): it works on the Worker's collaborators.

/** Observability that drops every event: what logging, the data point and the counts cost. */
class SilentObservability extends EdgeObservability {
  override finished(): void {}
}

/** Admission that admits everything at once: what the tenant limiter's call costs. */
class UnlimitedAdmission extends TenantAdmission {
  override async admit() {
    return { headers: {}, source: 'unchecked' as const, release: async () => undefined };
  }
}

function never(): never {
  throw new Error('the no-limiter knock-out calls no limiter');
}

const customizers: Readonly<Record<KnockoutName, (deps: EdgeDeps) => EdgeDeps>> = {
  'no-api-key-auth': (deps) => {
    const principals = new Map<string, Principal>();
    const { authenticator } = deps;
    return {
      ...deps,
      authenticator: {
        async authenticate(authorization) {
          const header = authorization ?? '';
          const known = principals.get(header);
          if (known) return known;
          const principal = await authenticator.authenticate(authorization);
          principals.set(header, principal);
          return principal;
        },
        forget: () => principals.clear(),
      },
    };
  },
  'no-request-validation': (deps) => ({
    ...deps,
    parseJson: <Schema extends z.ZodType>(_contentType: string | undefined, text: string) =>
      // Unchecked on purpose: this variant measures what validation costs.
      ({ n: 1, response_format: 'b64_json', priority: 'normal', ...JSON.parse(text) }) as z.infer<Schema>,
  }),
  'no-hedging': (deps) => ({ ...deps, hedgeBudget: null }),
  'no-limiter': (deps) => ({
    ...deps,
    admission: new UnlimitedAdmission({
      limiterFor: () => never(),
      tierLimits: deps.config.admission.tierLimits,
      now: deps.now,
    }),
  }),
  'no-observability': (deps) => ({
    ...deps,
    observability: new SilentObservability(deps.observability.stats, undefined),
  }),
};

/**
 * The `customize` option for `createEdgeWorker` that applies the named knock-outs in order
 * (bench/edge/knockout-catalog.ts describes each).
 */
export function customizeFor(names: readonly KnockoutName[]): (deps: EdgeDeps) => EdgeDeps {
  const chosen = names.map((name) => customizers[name]);
  return (deps) => chosen.reduce((current, customize) => customize(current), deps);
}
