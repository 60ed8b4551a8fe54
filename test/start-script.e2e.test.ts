import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';

describe('npm start', () => {
  it('start: brings up a pool, generates a 256x256 image and drains cleanly with --once', () => {
    const result = spawnSync(process.execPath, ['scripts/start.ts', '--once', '--port', '0'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('First image: ');
    expect(result.stdout).toContain('"result":"drained"');
    const png = PNG.sync.read(readFileSync('.spillway/first-image.png'));
    expect([png.width, png.height]).toEqual([256, 256]);
  });
});
