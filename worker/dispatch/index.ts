export { attemptOutcome } from './attempt-outcome.ts';
export type {
  AttemptOutcome,
  AttemptRecord,
  DispatchCandidate,
  DispatchOptions,
  DispatchResult,
  DispatchStop,
  PoolAcknowledgement,
} from './dispatch-types.ts';
export { dispatchWithFailover } from './dispatcher.ts';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.ts';
