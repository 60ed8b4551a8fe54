import { Command } from 'commander';
import { poolRecordSchema } from '../../shared/index.ts';
import { commaList, nonNegativeNumber, positiveInteger } from '../arguments.ts';
import { commandContext } from '../context.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { renderPoolTable } from '../pool-table.ts';
import { readPoolPublicKey } from '../public-key.ts';
import { readPoolRows } from './pool-reads.ts';
import { watchPools } from './pools-watch.ts';
import { addRemoveCommand } from './remove-command.ts';

interface PoolAddOptions {
  readonly provider: string;
  readonly url: string;
  readonly region: string;
  readonly models: string[];
  readonly capacity: number;
  readonly publicKey?: string;
  readonly price?: number;
}

/** `spillway pools add|list|watch|rm|drain|undrain`. */
export function poolsCommand(io: CliIo): Command {
  const pools = new Command('pools').description('GPU pools the edge routes to');

  pools
    .command('add')
    .description('register (or replace) a pool; gpu-node pools need --public-key')
    .argument('<id>', 'pool id ([a-z0-9_.-])')
    .requiredOption('--provider <id>', 'provider the pool belongs to')
    .requiredOption('--url <url>', 'base URL the edge reaches the pool at')
    .requiredOption('--region <region>', 'region label used by routing and tenant limits')
    .requiredOption('--models <a,b>', 'models the pool serves', commaList)
    .requiredOption('--capacity <n>', 'images it runs at once, until it reports', positiveInteger)
    .option('--public-key <file>', "the pool's heartbeat key: PEM or JWK file (gpu-node pools)")
    .option('--price <usd>', 'USD per image (leave out for owned capacity)', nonNegativeNumber)
    .action(async (id: string, options: PoolAddOptions, command: Command) => {
      const context = commandContext(io, command);
      const publicKey =
        options.publicKey === undefined ? undefined : await readPoolPublicKey(options.publicKey);
      const pool = await (await context.admin()).call('POST', '/v1/admin/pools', poolRecordSchema.loose(), {
        id,
        provider_id: options.provider,
        url: options.url,
        region: options.region,
        models: options.models,
        capacity: options.capacity,
        ...(options.price === undefined ? {} : { price_per_image: options.price }),
        ...(publicKey === undefined ? {} : { public_key: publicKey }),
      });
      if (context.json) printJson(io, pool);
      else printLines(io, `pool ${pool.id} saved (provider ${pool.provider_id}, ${pool.region})`);
    });

  pools
    .command('list')
    .description('the fleet as routing sees it')
    .action(async (_options: object, command: Command) => {
      const context = commandContext(io, command);
      const rows = await readPoolRows(context);
      if (context.json) printJson(io, rows);
      else printLines(io, ...renderPoolTable(rows));
    });

  pools
    .command('watch')
    .description('the pool table, refreshed in place until Ctrl-C')
    .option('--interval <seconds>', 'seconds between refreshes', positiveInteger, 2)
    .option('--count <n>', 'stop after this many refreshes', positiveInteger)
    .action(async (options: { interval: number; count?: number }, command: Command) => {
      await watchPools(commandContext(io, command), options.interval, options.count ?? null);
    });

  addRemoveCommand(pools, io, {
    name: 'rm',
    description: 'remove a pool',
    idHelp: 'pool id',
    collection: '/v1/admin/pools',
    jsonFlag: 'deleted',
    sentence: (id) => `pool ${id} removed`,
  });

  for (const [name, method, verb] of [
    ['drain', 'POST', 'draining: it gets no new work'],
    ['undrain', 'DELETE', 'back in rotation'],
  ] as const) {
    pools
      .command(name)
      .description(name === 'drain' ? 'stop sending new work to a pool' : 'send work to a drained pool again')
      .argument('<id>', 'pool id')
      .action(async (id: string, _options: object, command: Command) => {
        const context = commandContext(io, command);
        const pool = await (await context.admin()).call(
          method,
          `/v1/admin/pools/${encodeURIComponent(id)}/drain`,
          poolRecordSchema.loose(),
        );
        if (context.json) printJson(io, pool);
        else printLines(io, `pool ${pool.id} ${verb}`);
      });
  }

  return pools;
}
