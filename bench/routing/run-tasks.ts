import { Worker } from 'node:worker_threads';
import type { PolicyName, Scenario } from './scenario-schema.ts';
import type { RunResult } from './sim-types.ts';
import type { SimTask } from './sim-worker.ts';
import { simulate } from './simulation.ts';

/** One (scenario, policy, seed) run to do. */
export type RunRequest = Omit<SimTask, 'id'>;

/**
 * Runs simulations on `workers` threads (0 = in this thread), biggest first; results come back
 * in request order. Each run is single-threaded and independent, so threads scale to the cores.
 */
export async function runAll(
  requests: readonly RunRequest[],
  workers: number,
  onDone: (done: number, total: number) => void = () => {},
): Promise<RunResult[]> {
  const results: (RunResult | undefined)[] = requests.map(() => undefined);
  let done = 0;
  if (workers <= 0) {
    requests.forEach((request, index) => {
      results[index] = simulate(request.scenario, request.policy, request.seed, {
        regret: request.regret === true,
      });
      onDone(++done, requests.length);
    });
    return results.filter((result): result is RunResult => result !== undefined);
  }
  const order = requests
    .map((request, id) => ({ ...request, id }))
    .sort((a, b) => cost(b.scenario, b.policy) - cost(a.scenario, a.policy));
  let next = 0;
  const threads = Array.from(
    { length: Math.min(workers, requests.length) },
    () => new Worker(new URL('./sim-worker.ts', import.meta.url)),
  );
  await Promise.all(
    threads.map(
      (thread) =>
        new Promise<void>((resolve, reject) => {
          const feed = () => {
            const task = order[next++];
            if (!task) {
              resolve();
              return;
            }
            thread.postMessage(task satisfies SimTask);
          };
          thread.on('message', (message: { id: number; result: RunResult }) => {
            results[message.id] = message.result;
            onDone(++done, requests.length);
            feed();
          });
          thread.on('error', reject);
          feed();
        }),
    ),
  );
  await Promise.all(threads.map((thread) => thread.terminate()));
  return results.filter((result): result is RunResult => result !== undefined);
}

/** Rough relative cost of a run, for scheduling the long ones first. */
function cost(scenario: Scenario, policy: PolicyName): number {
  const refreshes = scenario.refreshMs > 0 ? scenario.dispatchers / scenario.refreshMs : 0;
  const sizes = scenario.requests === 'reference' ? 1 : 3;
  const edge = ['edge', 'prior-edge', 'fastest', 'cheapest'].includes(policy) ? 3 : 1;
  return scenario.jobsPerSeed * edge * sizes * (1 + refreshes * 10);
}
