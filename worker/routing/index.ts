export * from './eligibility.ts';
export * from './fleet-view.ts';
export * from './pick-pool.ts';
export * from './scoring.ts';
