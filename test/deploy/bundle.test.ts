import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `wrangler deploy --dry-run` bundles the Worker exactly as a deploy would, without an account or
// the network. Cloudflare limits the compressed (gzip) size of the uploaded modules: 3 MiB on the
// Workers Free plan, 10 MiB on Paid. The edge must fit the free limit.

const root = join(import.meta.dirname, '../..');
const wrangler = join(root, 'node_modules/wrangler/bin/wrangler.js');
/** Workers Free plan: most compressed bytes a Worker's upload may take. */
const FREE_PLAN_COMPRESSED_LIMIT = 3 * 1024 * 1024;
/** Files the dry run writes beside the modules that are not part of the upload. */
const notUploaded = /(\.map|README\.md)$/;

let outdir = '';
let output = '';

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'spillway-bundle-'));
  const run = await promisify(execFile)(
    process.execPath,
    [wrangler, 'deploy', '--dry-run', '--outdir', outdir],
    {
      cwd: root,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        // No account: a dry run must not need one.
        CLOUDFLARE_API_TOKEN: '',
        CLOUDFLARE_ACCOUNT_ID: '',
        NO_COLOR: '1',
      },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  output = `${run.stdout}\n${run.stderr}`;
}, 180_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

describe('wrangler deploy --dry-run', () => {
  it('bundles the Worker with every binding of wrangler.toml, offline and without a login', async () => {
    expect(output).toContain('--dry-run: exiting now.');
    for (const binding of ['env.FLEET', 'env.JOBS', 'env.JOB_QUEUE (spillway-jobs)', 'env.RESULTS']) {
      expect(output).toContain(binding);
    }
    const files = await readdir(outdir);
    expect(files).toContain('index.js');
  });

  it('bundle: fits the Workers Free plan limit on compressed size', async () => {
    const modules = (await readdir(outdir)).filter((name) => !notUploaded.test(name));
    let compressed = 0;
    let raw = 0;
    for (const name of modules) {
      const bytes = await readFile(join(outdir, name));
      raw += bytes.length;
      compressed += gzipSync(bytes, { level: 9 }).length;
    }
    // Reported so a growing bundle shows up in the test log before it hits the limit.
    console.info(
      `edge bundle: ${(raw / 1024).toFixed(1)} KiB, gzip ${(compressed / 1024).toFixed(1)} KiB ` +
        `(limit ${FREE_PLAN_COMPRESSED_LIMIT / 1024} KiB)`,
    );
    expect(compressed).toBeGreaterThan(0);
    expect(compressed).toBeLessThan(FREE_PLAN_COMPRESSED_LIMIT);
    // Wrangler's own figure, as the deploy would print it, agrees.
    const reported = /Total Upload: [\d.]+ KiB \/ gzip: ([\d.]+) KiB/.exec(output);
    expect(reported).not.toBeNull();
    expect(Number(reported?.[1]) * 1024).toBeLessThan(FREE_PLAN_COMPRESSED_LIMIT);
  });
});
