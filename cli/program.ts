import { Command, CommanderError } from 'commander';
import { generateCommand } from './commands/generate.ts';
import { jobsCommand } from './commands/jobs.ts';
import { keysCommand } from './commands/keys.ts';
import { loginCommand, logoutCommand } from './commands/login.ts';
import { poolsCommand } from './commands/pools.ts';
import { providersCommand } from './commands/providers.ts';
import { tenantsCommand } from './commands/tenants.ts';
import { tokensCommand } from './commands/tokens.ts';
import { CliError, exitCodes } from './errors.ts';
import type { CliIo } from './io.ts';

/** Builds the `spillway` program; its commands write through `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('spillway')
    .description(
      "Spillway operators' CLI: providers, pools, tenants, keys, tokens, and images through the edge",
    )
    .option('--edge <url>', 'edge URL (else SPILLWAY_EDGE, the saved login, .spillway/local.json)')
    .option('--token <token>', 'operator token (else SPILLWAY_TOKEN, the saved login, local.json)')
    .option('--json', 'machine-readable JSON on stdout')
    .option('--debug', 'log requests on stderr and show stack traces')
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const command of [
    loginCommand(io),
    logoutCommand(io),
    providersCommand(io),
    poolsCommand(io),
    tenantsCommand(io),
    keysCommand(io),
    tokensCommand(io),
    generateCommand(io),
    jobsCommand(io),
  ]) {
    program.addCommand(command);
  }
  applyToAll(program, (command) => {
    command.exitOverride().configureOutput(program.configureOutput());
  });
  return program;
}

function applyToAll(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const child of command.commands) applyToAll(child, apply);
}

/**
 * Runs the CLI and returns the exit code. Failures print one line on stderr (`error: …`, with
 * what to do); the stack trace only with `--debug`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help text).
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const debug = argv.includes('--debug');
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      if (debug && error.cause instanceof Error) io.stderr.write(`${error.cause.stack ?? error.cause}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: ${message} (a bug in spillway; run again with --debug for details)\n`);
    if (debug && error instanceof Error) io.stderr.write(`${error.stack ?? ''}\n`);
    return exitCodes.failed;
  }
}
