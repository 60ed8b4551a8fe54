import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath, readSavedLogin, resolveSettings, saveLogin } from '../../cli/config.ts';
import { maskSecret } from '../../cli/io.ts';
import { healthOf, type PoolListingEntry, STALE_AFTER_MS } from '../../cli/pool-table.ts';
import { renderTable } from '../../cli/table.ts';

const saved = { edge_url: 'https://edge.example.com', operator_token: 'saved-token', api_key: 'sk_saved' };
const local = { edge_url: 'http://127.0.0.1:8787', operator_token: 'local-token', api_key: 'sk_local' };

describe('cli settings', () => {
  it('config: flags beat env, env beats the saved login, the login beats local.json', () => {
    const flags = { edge: 'https://flag.example.com/', token: 'flag-token', apiKey: 'sk_flag' };
    const env = { SPILLWAY_EDGE: 'https://env.example.com', SPILLWAY_TOKEN: 'env-token' };
    expect(resolveSettings(flags, env, saved, local)).toEqual({
      edge: { url: 'https://flag.example.com', source: 'flag' },
      operatorToken: { value: 'flag-token', source: 'flag' },
      apiKey: { value: 'sk_flag', source: 'flag' },
    });
    expect(resolveSettings({}, env, saved, local).edge?.source).toBe('env');
    expect(resolveSettings({}, {}, saved, local)).toMatchObject({
      edge: { url: saved.edge_url, source: 'login' },
      operatorToken: { value: 'saved-token', source: 'login' },
    });
    expect(resolveSettings({}, {}, null, local)).toMatchObject({
      edge: { url: local.edge_url, source: 'local' },
      apiKey: { value: 'sk_local', source: 'local' },
    });
  });

  it('config: a saved or local credential is never sent to another edge', () => {
    const other = resolveSettings({ edge: 'https://other.example.com' }, {}, saved, local);
    expect(other.operatorToken).toBeNull();
    expect(other.apiKey).toBeNull();
    // Its own edge given explicitly still finds it.
    expect(resolveSettings({ edge: local.edge_url }, {}, saved, local).operatorToken?.value).toBe(
      'local-token',
    );
  });

  it('config: login is saved user-only under XDG_CONFIG_HOME and read back', async () => {
    const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'spillway-config-')) };
    const path = await saveLogin(env, { ...saved, saved_at: 1 });
    expect(path).toBe(configPath(env));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await readSavedLogin(env)).toEqual({ ...saved, saved_at: 1 });
    expect(configPath({ HOME: '/home/op' })).toBe('/home/op/.config/spillway/config.json');
  });

  it('output: masked secrets keep only a prefix and the length', () => {
    const masked = maskSecret('eyJhbGciOiJFZERTQSJ9.secret-part.signature');
    expect(masked).toBe('eyJhbGci…(42 chars)');
    expect(maskSecret('short')).not.toContain('short');
  });

  it('table: columns align on the widest cell', () => {
    const lines = renderTable(
      [
        ['ID', (row: { id: string; n: number }) => row.id],
        ['N', (row) => String(row.n)],
      ],
      [
        { id: 'a', n: 1 },
        { id: 'longer', n: 22 },
      ],
    );
    expect(lines).toEqual(['ID       N', 'a        1', 'longer   22']);
  });

  it('health: derived from the switches and the age of telemetry when the edge sends none', () => {
    const now = 1_000_000;
    const pool = {
      enabled: true,
      draining: false,
      telemetry: null,
      telemetry_received_at: now - 1_000,
    } as unknown as PoolListingEntry;
    expect(healthOf(pool, now)).toBe('healthy');
    expect(healthOf({ ...pool, telemetry_received_at: now - STALE_AFTER_MS - 1 }, now)).toBe('stale');
    expect(healthOf({ ...pool, telemetry_received_at: null }, now)).toBe('stale');
    expect(healthOf({ ...pool, draining: true }, now)).toBe('draining');
    expect(healthOf({ ...pool, enabled: false }, now)).toBe('disabled');
    expect(healthOf({ ...pool, health: 'ejected' }, now)).toBe('ejected');
  });
});
