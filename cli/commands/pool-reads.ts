import type { CommandContext } from '../context.ts';
import { type PoolRow, poolListSchema, poolRows, providerListSchema } from '../pool-table.ts';

/** Reads pools and providers (for each pool's protocol) and builds the pool table's rows. */
export async function readPoolRows(context: CommandContext): Promise<PoolRow[]> {
  const admin = await context.admin();
  const [pools, providers] = await Promise.all([
    admin.call('GET', '/v1/admin/pools', poolListSchema),
    admin.call('GET', '/v1/admin/providers', providerListSchema),
  ]);
  return poolRows(pools.data, providers.data, context.io.now());
}
