import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local stack pool processes', () => {
  it('a pool is stopped when the process that started it exits without stopping it', async () => {
    const parent = fileURLToPath(new URL('./testing/exiting-parent.ts', import.meta.url));
    const { stdout } = await run(process.execPath, [parent], { timeout: 30_000 });
    const pid = Number(stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // Signalled on the parent's exit; it then exits by itself (a real pool drains first).
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(pid)).toBe(false);
  });
});
