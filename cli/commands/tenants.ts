import { Command, Option } from 'commander';
import { listOf, tenantRecordSchema, tiers } from '../../shared/index.ts';
import { type AppTokenFlags, appTokensFrom } from '../app-tokens.ts';
import { commaList } from '../arguments.ts';
import { commandContext } from '../context.ts';
import { usageError } from '../errors.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { formatTime, NONE, renderTable } from '../table.ts';
import { addRemoveCommand } from './remove-command.ts';
import { addTenantLimitsCommand } from './tenant-limits.ts';

interface TenantAddOptions extends AppTokenFlags {
  readonly removeAppTokens?: boolean;
  readonly name?: string;
  readonly tier?: (typeof tiers)[number];
  readonly allowedProviders?: string[];
  readonly allowedRegions?: string[];
}

/** `GET /v1/admin/tenants`. */
export const tenantListSchema = listOf(tenantRecordSchema.loose());

/** `spillway tenants add|list|limits|rm`. */
export function tenantsCommand(io: CliIo): Command {
  const tenants = new Command('tenants').description('tenants, their tiers and limits');

  tenants
    .command('add')
    .description('register a tenant, or update one (settings left out are kept)')
    .argument('<id>', 'tenant id ([a-z0-9_.-])')
    .option('--name <name>', 'display name (required for a new tenant)')
    .addOption(new Option('--tier <tier>', 'scheduling tier (required for a new tenant)').choices(tiers))
    .option('--allowed-providers <a,b>', 'only these providers run its work', commaList)
    .option('--allowed-regions <a,b>', 'only these regions run its work', commaList)
    .option('--app-token-issuer <https-url>', "its backend's issuer (iss) of app users' JWTs")
    .option('--app-token-audience <aud>', 'the audience (aud) those JWTs name')
    .option(
      '--app-token-jwks <url|file>',
      'where the issuer publishes its keys (its jwks_uri, fetched by the edge) or a JSON file of them',
    )
    .option('--remove-app-tokens', "stop accepting the tenant's app tokens")
    .action(async (id: string, options: TenantAddOptions, command: Command) => {
      const context = commandContext(io, command);
      const appTokens = await appTokensFrom(options);
      if (appTokens !== undefined && options.removeAppTokens)
        throw usageError(
          '--remove-app-tokens and --app-token-* contradict each other: pass one or the other',
        );
      const tenant = await (await context.admin()).call(
        'POST',
        '/v1/admin/tenants',
        tenantRecordSchema.loose(),
        {
          id,
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.tier === undefined ? {} : { tier: options.tier }),
          ...(options.allowedProviders ? { allowed_providers: options.allowedProviders } : {}),
          ...(options.allowedRegions ? { allowed_regions: options.allowedRegions } : {}),
          ...(appTokens === undefined ? {} : { app_tokens: appTokens }),
          ...(options.removeAppTokens ? { app_tokens: null } : {}),
        },
      );
      if (context.json) printJson(io, tenant);
      else printLines(io, `tenant ${tenant.id} saved (${tenant.tier})`);
    });

  tenants
    .command('list')
    .description('list tenants')
    .action(async (_options: object, command: Command) => {
      const context = commandContext(io, command);
      const { data } = await (await context.admin()).call('GET', '/v1/admin/tenants', tenantListSchema);
      if (context.json) return printJson(io, data);
      const list = (values: readonly string[]) => (values.length === 0 ? 'any' : values.join(','));
      printLines(
        io,
        ...renderTable(
          [
            ['TENANT', (row) => row.id],
            ['NAME', (row) => row.name],
            ['TIER', (row) => row.tier],
            ['PROVIDERS', (row) => list(row.allowed_providers)],
            ['REGIONS', (row) => list(row.allowed_regions)],
            ['APP TOKENS', (row) => row.app_tokens?.issuer ?? NONE],
            ['CREATED', (row) => formatTime(row.created_at)],
          ],
          data,
        ),
      );
    });

  addTenantLimitsCommand(tenants, io);

  addRemoveCommand(tenants, io, {
    name: 'rm',
    description:
      'delete a tenant: its API keys and app tokens stop working; jobs it already submitted finish; the id is not reused',
    idHelp: 'tenant id',
    collection: '/v1/admin/tenants',
    jsonFlag: 'deleted',
    sentence: (id) => `tenant ${id} deleted: its keys are revoked`,
  });

  return tenants;
}
