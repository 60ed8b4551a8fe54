import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError, exitCodes, usageError } from './errors.ts';

/** What `spillway login` saves in the user's config dir. */
export const savedLoginSchema = z.object({
  edge_url: z.string(),
  operator_token: z.string().min(1),
  api_key: z.string().min(1).optional(),
  saved_at: z.number().int().optional(),
});

/** `.spillway/local.json`, as `npm start` writes it (other fields are ignored). */
export const localJsonSchema = z.object({
  edge_url: z.string(),
  operator_token: z.string().min(1).optional(),
  api_key: z.string().min(1).optional(),
});

/** A saved login. */
export type SavedLogin = z.infer<typeof savedLoginSchema>;
/** The local stack's state file. */
export type LocalJson = z.infer<typeof localJsonSchema>;

/** Where a setting came from, named in messages so an operator can tell which one to fix. */
export type SettingSource = 'flag' | 'env' | 'login' | 'local';

/** Flags a command was given that bear on where and as whom it calls. */
export interface ConnectionFlags {
  readonly edge?: string | undefined;
  readonly token?: string | undefined;
  readonly apiKey?: string | undefined;
}

/** The edge and the credentials to use with it, each with where it came from. */
export interface Settings {
  readonly edge: { readonly url: string; readonly source: SettingSource } | null;
  readonly operatorToken: { readonly value: string; readonly source: SettingSource } | null;
  readonly apiKey: { readonly value: string; readonly source: SettingSource } | null;
}

const userOnlyFolder = 0o700;
const userOnlyFile = 0o600;

/** `$XDG_CONFIG_HOME/spillway/config.json`, else `~/.config/spillway/config.json`. */
export function configPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'spillway', 'config.json');
}

/** `.spillway/local.json` under `cwd`. */
export function localJsonPath(cwd: string): string {
  return join(cwd, '.spillway', 'local.json');
}

/** Normalises an edge URL (no trailing slash); refuses anything but http(s). */
export function normaliseEdgeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`not a URL: ${raw} (expected e.g. https://spillway.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usageError(`the edge URL must be http or https, not ${url.protocol}`);
  if (url.username || url.password) throw usageError('the edge URL must not contain credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

async function readJson<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
): Promise<z.infer<Schema> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, exitCodes.notConfigured);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON: fix or delete it`, exitCodes.notConfigured);
  }
  const result = schema.safeParse(parsed);
  if (!result.success)
    throw new CliError(`${path} is not a Spillway config: fix or delete it`, exitCodes.notConfigured);
  return result.data;
}

/** The saved login, or null when there is none. */
export function readSavedLogin(env: NodeJS.ProcessEnv): Promise<SavedLogin | null> {
  return readJson(configPath(env), savedLoginSchema);
}

/** The local stack's `local.json` in `cwd`, or null. */
export function readLocalJson(cwd: string): Promise<LocalJson | null> {
  return readJson(localJsonPath(cwd), localJsonSchema);
}

/**
 * Saves the login readable by the user only (folder 0700, file 0600), replacing the file
 * atomically so a crash never leaves half a token behind. Returns the file's path.
 */
export async function saveLogin(env: NodeJS.ProcessEnv, login: SavedLogin): Promise<string> {
  const path = configPath(env);
  const folder = dirname(path);
  await mkdir(folder, { recursive: true, mode: userOnlyFolder });
  // mkdir leaves an existing folder's mode alone: tighten one made earlier by hand.
  await chmod(folder, userOnlyFolder);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: userOnlyFile });
  await chmod(temporary, userOnlyFile);
  await rename(temporary, path);
  return path;
}

function sameEdge(candidate: string, edge: string): boolean {
  try {
    return normaliseEdgeUrl(candidate) === edge;
  } catch {
    return false;
  }
}

/**
 * Resolves the edge, then its credentials: flags > env (`SPILLWAY_EDGE`, `SPILLWAY_TOKEN`,
 * `SPILLWAY_API_KEY`) > saved login > `.spillway/local.json`. A saved or local credential is
 * used only with the edge it was saved for: `--edge` pointing elsewhere never sends it there.
 */
export function resolveSettings(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  saved: SavedLogin | null,
  local: LocalJson | null,
): Settings {
  const edgeCandidates: Array<[string | undefined, SettingSource]> = [
    [flags.edge, 'flag'],
    [env.SPILLWAY_EDGE, 'env'],
    [saved?.edge_url, 'login'],
    [local?.edge_url, 'local'],
  ];
  const found = edgeCandidates.find(([value]) => value !== undefined && value.trim() !== '');
  const edge = found?.[0] ? { url: normaliseEdgeUrl(found[0].trim()), source: found[1] } : null;
  const pick = (
    flag: string | undefined,
    environment: string | undefined,
    fromLogin: string | undefined,
    fromLocal: string | undefined,
  ) => {
    if (flag) return { value: flag, source: 'flag' as const };
    if (environment) return { value: environment, source: 'env' as const };
    if (edge && saved && fromLogin && sameEdge(saved.edge_url, edge.url))
      return { value: fromLogin, source: 'login' as const };
    if (edge && local && fromLocal && sameEdge(local.edge_url, edge.url))
      return { value: fromLocal, source: 'local' as const };
    return null;
  };
  return {
    edge,
    operatorToken: pick(flags.token, env.SPILLWAY_TOKEN, saved?.operator_token, local?.operator_token),
    apiKey: pick(flags.apiKey, env.SPILLWAY_API_KEY, saved?.api_key, local?.api_key),
  };
}
