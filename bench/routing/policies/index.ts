export * from './oracle-policy.ts';
export * from './policy.ts';
export * from './routing-policies.ts';
export * from './simple-policies.ts';
