import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unreadableFiles } from './config-files.ts';
import { parseGpuNodeConfig } from './gpu-node-config.ts';

function configOf(raw: Record<string, unknown>) {
  const parsed = parseGpuNodeConfig(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
}

describe('gpu-node file settings', () => {
  it('names each file flag whose file cannot be read, and nothing when all can', () => {
    const folder = mkdtempSync(join(tmpdir(), 'gpu-node-files-'));
    const key = join(folder, 'edge.pub.pem');
    writeFileSync(key, 'not checked here: only that it can be read');
    expect(unreadableFiles(configOf({ edgePublicKey: key }))).toEqual([]);
    const missing = join(folder, 'nope.pem');
    expect(
      unreadableFiles(configOf({ edgePublicKey: missing, edgeUrl: 'http://127.0.0.1:1', poolKey: missing })),
    ).toEqual([
      `--edge-public-key: cannot read ${missing} (ENOENT)`,
      `--pool-key: cannot read ${missing} (ENOENT)`,
    ]);
  });

  it('reads --pipeline NAME=DIR as the folder DIR', () => {
    const folder = mkdtempSync(join(tmpdir(), 'gpu-node-pipeline-'));
    expect(
      unreadableFiles(configOf({ pipeline: [`tiny-sd=${folder}`, folder], insecureNoAuth: true })),
    ).toEqual([]);
    expect(unreadableFiles(configOf({ pipeline: [`tiny-sd=${folder}/gone`], insecureNoAuth: true }))).toEqual(
      [`--pipeline: cannot read ${folder}/gone (ENOENT)`],
    );
  });
});
