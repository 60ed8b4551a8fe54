import { parentPort } from 'node:worker_threads';
import type { PolicyName, Scenario } from './scenario-schema.ts';
import { simulate } from './simulation.ts';

/** A run a worker thread is asked for. */
export interface SimTask {
  readonly id: number;
  readonly scenario: Scenario;
  readonly policy: PolicyName;
  readonly seed: number;
  /** Measure each first send's decision regret (`--regret`). */
  readonly regret?: boolean;
}

parentPort?.on('message', (task: SimTask) => {
  const result = simulate(task.scenario, task.policy, task.seed, { regret: task.regret === true });
  parentPort?.postMessage({ id: task.id, result });
});
