import { rm } from 'node:fs/promises';
import { Command } from 'commander';
import { configPath, readSavedLogin, saveLogin } from '../config.ts';
import { commandContext } from '../context.ts';
import { edgeClient } from '../edge-client.ts';
import { CliError, exitCodes } from '../errors.ts';
import { type CliIo, maskSecret, printJson, printLines } from '../io.ts';
import { providerListSchema } from '../pool-table.ts';
import { readSecret } from '../prompt.ts';

/**
 * `spillway login [--edge URL] [--token T] [--api-key K]`: checks the operator token against the
 * edge (`GET /v1/admin/providers`) and only then saves it, 0600, in the user's config dir.
 */
export function loginCommand(io: CliIo): Command {
  return new Command('login')
    .description('check an operator token against the edge and save both for later commands')
    .option('--api-key <key>', 'also save a tenant API key (for generate and jobs)')
    .addHelpText(
      'after',
      '\nThe token comes from --token, SPILLWAY_TOKEN, or is asked for (hidden) when neither is set.',
    )
    .action(async (options: { apiKey?: string }, command: Command) => {
      const context = commandContext(io, command, options.apiKey);
      const settings = await context.settings();
      if (!settings.edge)
        throw new CliError('which edge? pass --edge https://… or set SPILLWAY_EDGE', exitCodes.notConfigured);
      const edgeUrl = settings.edge.url;
      const token =
        settings.operatorToken?.value ?? (await readSecret(io, `Operator token for ${edgeUrl}: `));
      if (token === '')
        throw new CliError('no operator token: pass --token or set SPILLWAY_TOKEN', exitCodes.notConfigured);
      const admin = edgeClient({
        edgeUrl,
        token,
        fetch: io.fetch,
        debug: context.debug,
        tokenFix: 'nothing was saved; check the token (operators mint them with POST /v1/admin/tokens)',
      });
      await admin.call('GET', '/v1/admin/providers', providerListSchema);
      const apiKey = settings.apiKey?.value;
      const path = await saveLogin(io.env, {
        edge_url: edgeUrl,
        operator_token: token,
        ...(apiKey === undefined ? {} : { api_key: apiKey }),
        saved_at: io.now(),
      });
      // The API key saved too is named (masked), so the operator knows `generate` and `jobs` will use it.
      const masked = {
        operator_token: maskSecret(token),
        ...(apiKey === undefined ? {} : { api_key: maskSecret(apiKey) }),
      };
      if (context.json) {
        printJson(io, { edge_url: edgeUrl, config_path: path, ...masked });
      } else {
        const apiKeyNote = masked.api_key === undefined ? '' : ` and tenant API key ${masked.api_key}`;
        printLines(
          io,
          `logged in to ${edgeUrl} (operator token ${masked.operator_token}${apiKeyNote}), saved in ${path}`,
        );
      }
    });
}

/** `spillway logout`: forgets the saved login. */
export function logoutCommand(io: CliIo): Command {
  return new Command('logout').description('forget the saved login').action(async () => {
    const saved = await readSavedLogin(io.env);
    const path = configPath(io.env);
    await rm(path, { force: true });
    printLines(io, saved ? `forgot the login for ${saved.edge_url} (${path})` : 'no saved login');
  });
}
