import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// docs/gpu-node-flags.md, the env example and the image's ENV must name exactly the flags and
// variables the real gpu-node has: a renamed flag fails here, not on an operator's host.

const root = join(import.meta.dirname, '../..');
let flags: string[] = [];
let help = '';

/** `--pool-id` → `SPILLWAY_POOL_ID`, as `gpu-node/config/cli.ts` derives it. */
function variableOf(flag: string): string {
  return `SPILLWAY_${flag.replace(/^--/, '').toUpperCase().replaceAll('-', '_')}`;
}

function variablesIn(text: string): Set<string> {
  return new Set(text.match(/\bSPILLWAY_[A-Z_]+[A-Z]\b/g) ?? []);
}

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'gpu-node/main.ts'), '--help'], {
    cwd: root,
  });
  help = stdout;
  flags = [...stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)]
    .map((match) => match[1] ?? '')
    .filter((flag) => flag !== '--help');
}, 60_000);

describe('docs/gpu-node-flags.md', () => {
  it('flags doc: documents every flag of `gpu-node --help` with its SPILLWAY_ variable', async () => {
    const doc = await readFile(join(root, 'docs/gpu-node-flags.md'), 'utf8');
    expect(flags.length).toBeGreaterThan(20);
    for (const flag of flags) {
      expect(doc, flag).toMatch(new RegExp(`\\| \`${flag}( <[^>]+>)?\` \\| \`${variableOf(flag)}\` \\|`));
    }
  });

  it('--help: names the SPILLWAY_ variable of every flag, switches included', () => {
    // Wrapped lines are joined: commander breaks long descriptions anywhere.
    const text = help.replace(/\s+/g, ' ');
    for (const flag of flags) expect(text, flag).toContain(`(env: ${variableOf(flag)})`);
  });

  it('flags doc: names no flag or variable gpu-node does not have', async () => {
    const doc = await readFile(join(root, 'docs/gpu-node-flags.md'), 'utf8');
    const known = new Set(flags);
    const documented = [...doc.matchAll(/^\| `(--[a-z][a-z0-9-]*)/gm)].map((match) => match[1] ?? '');
    expect(documented.filter((flag) => !known.has(flag))).toEqual([]);
    const variables = new Set(flags.map(variableOf));
    expect([...variablesIn(doc)].filter((name) => !variables.has(name))).toEqual([]);
  });

  it('env example, Dockerfile and systemd unit: set only variables gpu-node reads', async () => {
    const variables = new Set(flags.map(variableOf));
    for (const file of [
      'deploy/gpu-node.env.example',
      'deploy/gpu-node.Dockerfile',
      'deploy/gpu-node.service',
    ]) {
      const text = await readFile(join(root, file), 'utf8');
      expect(
        [...variablesIn(text)].filter((name) => !variables.has(name)),
        file,
      ).toEqual([]);
    }
  });
});
