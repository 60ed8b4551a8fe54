import { readFile } from 'node:fs/promises';
import type { TenantSettings } from '../shared/index.ts';
import { usageError } from './errors.ts';

/** `tenants add`'s flags for a tenant's app tokens (mobile and web apps' JWTs). */
export interface AppTokenFlags {
  readonly appTokenIssuer?: string;
  readonly appTokenAudience?: string;
  readonly appTokenJwks?: string;
}

const FLAGS = ['--app-token-issuer', '--app-token-audience', '--app-token-jwks'] as const;

/**
 * The tenant's `app_tokens` from the three flags: all three, or none (then `undefined`: the
 * tenant keeps what it has). `--app-token-jwks` is the URL where the issuer publishes its keys
 * (`jwks_uri`, fetched by the edge) or a JSON file holding them; the edge checks each key, so a
 * file only has to be JSON with a `keys` array here.
 */
export async function appTokensFrom(
  flags: AppTokenFlags,
): Promise<NonNullable<TenantSettings['app_tokens']> | undefined> {
  const given = [flags.appTokenIssuer, flags.appTokenAudience, flags.appTokenJwks];
  if (given.every((value) => value === undefined)) return undefined;
  const missing = FLAGS.filter((_, index) => given[index] === undefined);
  if (missing.length > 0)
    throw usageError(`app tokens need ${FLAGS.join(', ')} together: missing ${missing.join(', ')}`);
  const where = String(flags.appTokenJwks);
  const keys = /^https?:\/\//i.test(where) ? { jwks_uri: where } : { jwks: await readJwks(where) };
  return { issuer: String(flags.appTokenIssuer), audience: String(flags.appTokenAudience), ...keys };
}

async function readJwks(path: string): Promise<NonNullable<TenantSettings['app_tokens']>['jwks']> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(
      `cannot read --app-token-jwks ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usageError(`--app-token-jwks ${path} is not JSON (expected a JWKS: {"keys": [...]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys))
    throw usageError(`--app-token-jwks ${path} is not a JWKS (expected {"keys": [...]})`);
  // The edge validates every key (public, allowed algorithm, a kid) and says which one is wrong.
  return parsed as NonNullable<TenantSettings['app_tokens']>['jwks'];
}
