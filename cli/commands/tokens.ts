import { Command, InvalidArgumentError } from 'commander';
import { MAX_OPERATOR_TOKEN_TTL_S, mintedOperatorTokenSchema } from '../../shared/index.ts';
import { commandContext } from '../context.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { formatTime } from '../table.ts';
import { addRemoveCommand } from './remove-command.ts';

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/** Commander parser for a lifetime: `90` or `90s`, `30m`, `12h`; returned in seconds. */
export function lifetimeSeconds(value: string): number {
  const match = /^(\d+)([smh]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * (SECONDS_PER_UNIT[match[2] || 's'] ?? 1) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds > MAX_OPERATOR_TOKEN_TTL_S)
    throw new InvalidArgumentError(
      `expected a lifetime from 60s to ${MAX_OPERATOR_TOKEN_TTL_S / 3600}h (e.g. 30m)`,
    );
  return seconds;
}

/** `spillway tokens create|revoke`: short-lived operator tokens for people and tools. */
export function tokensCommand(io: CliIo): Command {
  const tokens = new Command('tokens').description('short-lived operator tokens (for a colleague or a tool)');

  tokens
    .command('create')
    .description('mint an operator token; it is printed once, on stdout')
    .option('--subject <name>', 'who it is for (default: the same as your token)')
    .option(
      '--ttl <lifetime>',
      'how long it lives: 60s to 12h, never past your own token',
      lifetimeSeconds,
      3600,
    )
    .action(async (options: { subject?: string; ttl: number }, command: Command) => {
      const context = commandContext(io, command);
      const minted = await (await context.admin()).call(
        'POST',
        '/v1/admin/tokens',
        mintedOperatorTokenSchema.loose(),
        { ttl_seconds: options.ttl, ...(options.subject === undefined ? {} : { subject: options.subject }) },
      );
      if (context.json) return printJson(io, minted);
      // The token alone on stdout, so `TOKEN=$(spillway tokens create …)` works; the rest on stderr.
      printLines(io, minted.token);
      io.stderr.write(
        `token ${minted.jti} for ${minted.subject}, valid until ${formatTime(minted.expires_at * 1000)}: shown only now; ` +
          `\`spillway tokens revoke ${minted.jti}\` ends it early\n`,
      );
    });

  addRemoveCommand(tokens, io, {
    name: 'revoke',
    description:
      'revoke an operator token and every token minted with it (every edge location refuses them within 5 s)',
    idHelp: "the token's id (jti), as `tokens create` printed it",
    collection: '/v1/admin/tokens',
    jsonFlag: 'revoked',
    sentence: (jti) => `token ${jti} revoked`,
  });

  return tokens;
}
