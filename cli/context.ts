import type { Command } from 'commander';
import { Spillway } from '../sdk/index.ts';
import { readLocalJson, readSavedLogin, resolveSettings, type Settings } from './config.ts';
import { type EdgeClient, edgeClient } from './edge-client.ts';
import { CliError, exitCodes } from './errors.ts';
import type { CliIo } from './io.ts';

/** Options every command accepts (defined on the program). */
export interface GlobalOptions {
  readonly edge?: string;
  readonly token?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

/** Retries of a tenant call after the first attempt: few, so a dead edge is reported quickly. */
const TENANT_RETRIES = 1;

/** What a command runs with: the process's world, its global flags, and lazily its edge. */
export interface CommandContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly debug: (line: string) => void;
  /** Edge and credentials after precedence (flags > env > login > local.json). */
  settings(): Promise<Settings>;
  /** The edge URL, or a one-line error saying how to configure one. */
  edgeUrl(): Promise<string>;
  /** A client of the operator API, or a one-line error saying how to get a token. */
  admin(): Promise<EdgeClient>;
  /** The tenant client (SDK) with the API key, or a one-line error saying how to get a key. */
  tenant(): Promise<{ client: Spillway; edgeUrl: string }>;
}

const noEdge =
  'no edge configured: run `spillway login --edge https://…` or start the local stack with `npm start`';

/** Builds the context of the command being run, reading its options and the program's. */
export function commandContext(io: CliIo, command: Command, apiKeyFlag?: string): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const debug = (line: string) => {
    if (globals.debug) io.stderr.write(`debug: ${line}\n`);
  };
  let cached: Promise<Settings> | null = null;
  const settings = () => {
    cached ??= Promise.all([readSavedLogin(io.env), readLocalJson(io.cwd)]).then(([saved, local]) =>
      resolveSettings({ edge: globals.edge, token: globals.token, apiKey: apiKeyFlag }, io.env, saved, local),
    );
    return cached;
  };
  const edgeUrl = async () => {
    const resolved = (await settings()).edge;
    if (!resolved) throw new CliError(noEdge, exitCodes.notConfigured);
    debug(`edge ${resolved.url} (from ${resolved.source})`);
    return resolved.url;
  };
  return {
    io,
    json: globals.json === true,
    debug,
    settings,
    edgeUrl,
    async admin() {
      const url = await edgeUrl();
      const token = (await settings()).operatorToken;
      if (!token) {
        throw new CliError(
          `no operator token for ${url}: run \`spillway login --edge ${url}\`, set SPILLWAY_TOKEN or pass --token`,
          exitCodes.notConfigured,
        );
      }
      debug(`operator token from ${token.source}`);
      return edgeClient({ edgeUrl: url, token: token.value, fetch: io.fetch, debug });
    },
    async tenant() {
      const url = await edgeUrl();
      const key = (await settings()).apiKey;
      if (!key) {
        throw new CliError(
          `no API key for ${url}: pass --api-key or set SPILLWAY_API_KEY (mint one with \`spillway keys create --tenant <id>\`)`,
          exitCodes.notConfigured,
        );
      }
      debug(`API key from ${key.source}`);
      const client = new Spillway({
        baseUrl: url,
        apiKey: key.value,
        fetch: io.fetch,
        maxRetries: TENANT_RETRIES,
      });
      return { client, edgeUrl: url };
    },
  };
}
