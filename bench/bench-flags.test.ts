import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** Each `npm run bench:*` entry point that takes flags, and one value it must refuse. */
const benches = [
  { script: 'bench/edge/bench-bursts.ts', bad: ['--bursts', 'x'], flag: '--bursts' },
  { script: 'bench/edge/bench-bursts.ts', bad: ['--image-size', '64'], flag: '--image-size' },
  { script: 'bench/registry/bench-registry.ts', bad: ['--burst-share', '2'], flag: '--burst-share' },
  { script: 'bench/registry/profile-heartbeats.ts', bad: ['--pools', '0'], flag: '--pools' },
  { script: 'bench/routing/bench-routing.ts', bad: ['--jobs', 'abc'], flag: '--jobs' },
  { script: 'bench/routing/decision-ab.ts', bad: ['--base', '.', '--pairs', '0'], flag: '--pairs' },
  { script: 'bench/routing/decision-ab.ts', bad: ['--base', 'no-such-checkout'], flag: '--base' },
  { script: 'bench/chaos/bench-chaos.ts', bad: ['--sync-per-second', 'abc'], flag: '--sync-per-second' },
  { script: 'bench/edge/bench-edge.ts', bad: ['--clients', '0'], flag: '--clients' },
  { script: 'bench/gpu-node/bench-gpu-node.ts', bad: ['--steps', 'abc'], flag: '--steps' },
  { script: 'bench/overload/bench-overload.ts', bad: ['--duration-s', 'abc'], flag: '--duration-s' },
] as const;

/** Runs a bench with `args`; its exit code and what it printed (nothing here starts a stack). */
async function bench(script: string, args: readonly string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { cwd: root, timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** A line of a Node stack trace. */
const STACK_LINE = /^\s+at /m;

describe('bench commands: flags', () => {
  for (const { script, bad, flag } of benches) {
    it(`${script} (${flag}): --help prints usage; an unknown flag or a bad value is named, exit 2, no stack trace`, async () => {
      const help = await bench(script, ['--help']);
      expect(help.code).toBe(0);
      expect(help.output).toMatch(/^Usage: /);
      const unknown = await bench(script, ['--no-such-flag']);
      expect(unknown.code).toBe(2);
      expect(unknown.output).toContain("unknown option '--no-such-flag'");
      expect(unknown.output).not.toMatch(STACK_LINE);
      const refused = await bench(script, bad);
      expect(refused.code).toBe(2);
      expect(refused.output).toContain(flag);
      // A word where a number goes is named as given, not as zod's coerced NaN.
      if (bad.at(-1) === 'abc') {
        expect(refused.output).toMatch(/expected a (positive integer|number)/);
        expect(refused.output).toContain('abc');
      }
      expect(refused.output).not.toContain('NaN');
      expect(refused.output).not.toMatch(STACK_LINE);
    });
  }

  it('bench:routing: a scenario file it cannot read is named, exit 2, no stack trace', async () => {
    const missing = await bench('bench/routing/bench-routing.ts', [
      '--json',
      '--scenario',
      'no-such-scenario.json',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('cannot read scenario no-such-scenario.json');
    expect(missing.output).not.toMatch(STACK_LINE);
  });
});
