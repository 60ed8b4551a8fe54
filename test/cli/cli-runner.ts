import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';

/** The real `spillway` binary (package.json `bin`). */
export const CLI_MAIN = resolve(import.meta.dirname, '../../cli/main.ts');
/** A bound for one CLI run that hangs, not an estimate of how long it takes. */
const RUN_LIMIT_MS = 90_000;

/** What one run of the binary did. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where a run happens: its working folder and environment. */
export interface CliPlace {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * A place with no Spillway settings at all: an empty folder, its own XDG_CONFIG_HOME, and none
 * of the SPILLWAY_* variables of the test's own environment.
 */
export function emptyPlace(): CliPlace {
  const root = mkdtempSync(join(tmpdir(), 'spillway-cli-'));
  const cwd = join(root, 'work');
  mkdirSync(cwd);
  const { SPILLWAY_EDGE: _edge, SPILLWAY_TOKEN: _token, SPILLWAY_API_KEY: _key, ...env } = process.env;
  return { cwd, env: { ...env, XDG_CONFIG_HOME: join(root, 'config'), NO_COLOR: '1' } };
}

/** A place like the local stack's checkout: `.spillway/local.json` in the working folder. */
export function localStackPlace(stack: LocalStack): CliPlace {
  const place = emptyPlace();
  mkdirSync(join(place.cwd, '.spillway'));
  writeFileSync(
    join(place.cwd, '.spillway', 'local.json'),
    JSON.stringify({ edge_url: stack.edgeUrl, api_key: stack.apiKey, operator_token: stack.operatorToken }),
    { mode: 0o600 },
  );
  return place;
}

/** Starts the binary with its output piped (not a terminal). */
export function startCli(place: CliPlace, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI_MAIN, ...args], {
    cwd: place.cwd,
    env: place.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a started run's output until it exits. */
export async function finish(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Runs `spillway …args` in `place` to the end. */
export function runCli(place: CliPlace, ...args: string[]): Promise<CliRun> {
  return finish(startCli(place, args));
}

/** Runs the binary with `--json` and parses what it printed; fails the test on a non-zero exit. */
export async function runJson<T>(place: CliPlace, ...args: string[]): Promise<T> {
  const run = await runCli(place, ...args, '--json');
  if (run.code !== 0) throw new Error(`spillway ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** The lines of a stream's output, without empty ones. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** A failure as the CLI must show it: exactly one line on stderr, no stack trace. */
export function expectOneLineError(
  run: { code: number | null; stderr: string },
  code: number,
  pattern: RegExp,
) {
  expect(run.code).toBe(code);
  expect(linesOf(run.stderr)).toHaveLength(1);
  expect(run.stderr).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}
