import { Command } from 'commander';
import { listOf, mintedApiKeySchema, publicApiKeySchema } from '../../shared/index.ts';
import { type CommandContext, commandContext } from '../context.ts';
import type { EdgeClient } from '../edge-client.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { formatTime, NONE, renderTable } from '../table.ts';
import { addRemoveCommand } from './remove-command.ts';
import { tenantListSchema } from './tenants.ts';

const keyListSchema = listOf(publicApiKeySchema.loose());

async function keysOf(admin: EdgeClient, tenantId: string) {
  const query = new URLSearchParams({ tenant_id: tenantId });
  return (await admin.call('GET', `/v1/admin/keys?${query}`, keyListSchema)).data;
}

async function listKeys(context: CommandContext, tenantId: string | undefined) {
  const admin = await context.admin();
  if (tenantId !== undefined) return keysOf(admin, tenantId);
  // The API lists one tenant's keys at a time: without --tenant, every tenant's.
  const tenants = (await admin.call('GET', '/v1/admin/tenants', tenantListSchema)).data;
  return (await Promise.all(tenants.map((tenant) => keysOf(admin, tenant.id)))).flat();
}

/** `spillway keys create|list|revoke`. */
export function keysCommand(io: CliIo): Command {
  const keys = new Command('keys').description("tenants' API keys");

  keys
    .command('create')
    .description('mint an API key; it is printed once, on stdout')
    .requiredOption('--tenant <id>', 'tenant the key belongs to')
    .option('--name <name>', 'a label to recognise the key by', 'default')
    .action(async (options: { tenant: string; name: string }, command: Command) => {
      const context = commandContext(io, command);
      const minted = await (await context.admin()).call(
        'POST',
        '/v1/admin/keys',
        mintedApiKeySchema.loose(),
        {
          tenant_id: options.tenant,
          name: options.name,
        },
      );
      if (context.json) return printJson(io, minted);
      // The key alone on stdout, so `KEY=$(spillway keys create …)` works; the rest on stderr.
      printLines(io, minted.key);
      io.stderr.write(
        `key ${minted.id} for tenant ${minted.tenant_id}: shown only now, store it in a secret manager\n`,
      );
    });

  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--tenant <id>', 'only this tenant’s keys')
    .action(async (options: { tenant?: string }, command: Command) => {
      const context = commandContext(io, command);
      const data = await listKeys(context, options.tenant);
      if (context.json) return printJson(io, data);
      printLines(
        io,
        ...renderTable(
          [
            ['KEY', (row) => row.id],
            ['TENANT', (row) => row.tenant_id],
            ['NAME', (row) => row.name],
            ['PREFIX', (row) => `${row.prefix}…`],
            ['CREATED', (row) => formatTime(row.created_at)],
            ['REVOKED', (row) => (row.revoked_at === null ? NONE : formatTime(row.revoked_at))],
          ],
          data,
        ),
      );
    });

  addRemoveCommand(keys, io, {
    name: 'revoke',
    description: 'revoke an API key',
    idHelp: 'key id (from `spillway keys list`)',
    collection: '/v1/admin/keys',
    jsonFlag: 'revoked',
    sentence: (id) => `key ${id} revoked`,
  });

  return keys;
}
