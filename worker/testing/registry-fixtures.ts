import { env } from 'cloudflare:workers';
import { poolInput, providerInput } from './test-inputs.ts';

/** A fleet registry of its own per test (storage is shared by every test in a file). */
export function freshRegistry(prefix = 'fleet-test') {
  return env.FLEET.getByName(`${prefix}-${crypto.randomUUID()}`);
}

/** A fresh registry with the default provider and one gpu-node pool registered. */
export async function registryWithPool() {
  const registry = freshRegistry();
  await registry.putProvider(providerInput());
  const pool = await poolInput();
  const put = await registry.putPool(pool);
  if (!put.ok) throw new Error(`putPool refused: ${put.reason}`);
  return { registry, pool, record: put.pool };
}
