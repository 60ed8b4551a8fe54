import { Command, Option } from 'commander';
import { providerProtocols, providerRecordSchema } from '../../shared/index.ts';
import { commandContext } from '../context.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { providerListSchema } from '../pool-table.ts';
import { formatTime, NONE, renderTable } from '../table.ts';
import { addRemoveCommand } from './remove-command.ts';

interface ProviderAddOptions {
  readonly name: string;
  readonly protocol?: (typeof providerProtocols)[number];
  readonly apiKey?: string;
  readonly credentialsRef?: string;
}

/** `spillway providers add|list|rm`. */
export function providersCommand(io: CliIo): Command {
  const providers = new Command('providers').description('GPU providers that pools belong to');

  providers
    .command('add')
    .description('register (or replace) a provider')
    .argument('<id>', 'provider id ([a-z0-9_.-])')
    .requiredOption('--name <name>', 'display name')
    .addOption(
      new Option(
        '--protocol <protocol>',
        'how the edge talks to its pools (default: kept for an existing provider, gpu-node for a new one)',
      ).choices(providerProtocols),
    )
    .option('--api-key <key>', "the provider's API key (stored sealed, never shown again)")
    .option('--credentials-ref <secret>', 'name of a Worker secret holding the API key instead')
    .action(async (id: string, options: ProviderAddOptions, command: Command) => {
      const context = commandContext(io, command);
      const admin = await context.admin();
      const provider = await admin.call('POST', '/v1/admin/providers', providerRecordSchema.loose(), {
        id,
        name: options.name,
        ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
        ...(options.apiKey === undefined ? {} : { credentials: { api_key: options.apiKey } }),
        ...(options.credentialsRef === undefined ? {} : { credentials_ref: options.credentialsRef }),
      });
      if (context.json) printJson(io, provider);
      else printLines(io, `provider ${provider.id} saved (${provider.protocol})`);
    });

  providers
    .command('list')
    .description('list providers')
    .action(async (_options: object, command: Command) => {
      const context = commandContext(io, command);
      const { data } = await (await context.admin()).call('GET', '/v1/admin/providers', providerListSchema);
      if (context.json) return printJson(io, data);
      printLines(
        io,
        ...renderTable(
          [
            ['PROVIDER', (row) => row.id],
            ['NAME', (row) => row.name],
            ['PROTOCOL', (row) => row.protocol],
            ['CREDENTIALS', (row) => row.credentials ?? row.credentials_ref ?? NONE],
            ['CREATED', (row) => formatTime(row.created_at)],
          ],
          data,
        ),
      );
    });

  addRemoveCommand(providers, io, {
    name: 'rm',
    description: 'remove a provider (its pools first)',
    idHelp: 'provider id',
    collection: '/v1/admin/providers',
    jsonFlag: 'deleted',
    sentence: (id) => `provider ${id} removed`,
  });

  return providers;
}
