import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/** The lines `npm start --once` prints; anything else is noise a newcomer would have to read. */
const expectedLines = [
  /^Spillway edge: http:\/\/127\.0\.0\.1:\d+ {3}\(state: .+local\.json\)$/,
  /^Demo API key: {2}sk_live_\w+$/,
  /^Pools: local-a \(provider-a\) http:\/\/127\.0\.0\.1:\d+, local-b \(provider-b\) http:\/\/127\.0\.0\.1:\d+$/,
  /^First image through the edge: 200 from pool local-[ab] \(provider-[ab]\) in \d+ ms$/,
  /^Try it:$/,
  /^ {2}curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/images\/generations -H "authorization: Bearer sk_live_\w+" \\$/,
  /^ {4}-H 'content-type: application\/json' -d '\{"prompt":"a red fox","size":"256x256"\}' \| head -c 200$/,
];

const running = new Set<ChildProcess>();
const createdFolders: string[] = [];
afterEach(async () => {
  // A failed assertion or a timeout must not leave an edge and two pools behind.
  for (const child of running) {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await exited;
  }
  for (const folder of createdFolders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** A folder for one test: the edge's storage, keys and local.json, and Miniflare's cache. */
function stateFolders() {
  const root = mkdtempSync(join(tmpdir(), 'spillway-start-'));
  createdFolders.push(root);
  return {
    stateDir: join(root, 'spillway'),
    persistTo: join(root, 'wrangler-state'),
    miniflareCache: join(root, 'miniflare-cache'),
  };
}

/**
 * `node scripts/start.ts --once` in a newcomer's environment: not under test (vitest sets
 * NODE_ENV=test, which Miniflare takes as "skip the `Request.cf` download"), pool logs off (the
 * default), with an empty Miniflare cache. Returns stdout and stderr interleaved, as a terminal shows them.
 */
async function startOnce(
  folders: ReturnType<typeof stateFolders>,
): Promise<{ code: number | null; output: string }> {
  const {
    NODE_ENV: _test,
    CLOUDFLARE_CF_FETCH_ENABLED: _enabled,
    CLOUDFLARE_CF_FETCH_PATH: _path,
    SPILLWAY_POOL_LOGS: _poolLogs,
    ...environment
  } = process.env;
  const child = spawn(
    process.execPath,
    [
      'scripts/start.ts',
      '--once',
      '--port',
      '0',
      '--state-dir',
      folders.stateDir,
      '--persist-to',
      folders.persistTo,
    ],
    {
      env: { ...environment, MINIFLARE_CACHE_DIR: folders.miniflareCache, WRANGLER_SEND_METRICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  running.delete(child);
  return { code, output };
}

/** Output lines that are not among the lines `npm start` means to print. */
function noise(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !expectedLines.some((expected) => expected.test(line)));
}

describe('npm start', () => {
  it('start: twice on the same storage, each start serves an image through the edge and prints nothing else', async () => {
    const folders = stateFolders();
    const first = await startOnce(folders);
    expect(noise(first.output)).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/First image through the edge: 200 from pool local-[ab] \(provider-[ab]\)/);
    const local = JSON.parse(readFileSync(join(folders.stateDir, 'local.json'), 'utf8')) as {
      edge_url: string;
      api_key: string;
      operator_token: string;
      pools: Array<{ id: string; provider: string; url: string; pid: number }>;
    };
    expect(local.api_key).toMatch(/^sk_live_/);
    expect(local.edge_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.pools.map((pool) => [pool.id, pool.provider])).toEqual([
      ['local-a', 'provider-a'],
      ['local-b', 'provider-b'],
    ]);

    // The second start finds the first one's registry and tenant in the storage, and keeps the pools' keys.
    const poolKeys = () =>
      ['local-a', 'local-b'].map((id) =>
        readFileSync(join(folders.stateDir, 'keys', `${id}.key.pem`), 'utf8'),
      );
    const keysBefore = poolKeys();
    const second = await startOnce(folders);
    expect(poolKeys()).toEqual(keysBefore);
    expect(second.output).not.toMatch(/heartbeat refused|bad_signature/);
    expect(second.output).not.toMatch(/Request\.cf|workers\.cloudflare\.com/);
    expect(noise(second.output)).toEqual([]);
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/First image through the edge: 200 from pool local-[ab] \(provider-[ab]\)/);
    // Miniflare did not even try to download cf.json (a successful download is cached there).
    expect(existsSync(join(folders.miniflareCache, 'cf.json'))).toBe(false);
  }, 300_000);
});
