import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('npm start', () => {
  it('start: brings up the edge and two pools, serves an image through the edge and writes local.json', () => {
    const result = spawnSync(process.execPath, ['scripts/start.ts', '--once', '--fresh', '--port', '0'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/First image through the edge: 200 from pool local-[ab] \(provider-[ab]\)/);
    const local = JSON.parse(readFileSync('.spillway/local.json', 'utf8')) as {
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
  });
});
