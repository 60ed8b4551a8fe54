import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Root is this folder, resolved from the file rather than the cwd: run alone
// (`vitest run --config worker/vitest.config.mts`) the root would otherwise be the cwd, and as an
// entry in a root `test.projects` vitest forces the root to the config file's folder anyway.
// Miniflare downloads request.cf data outside NODE_ENV=test; the Worker never reads it, and there
// is no network here to fetch it from.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

const workerRoot = fileURLToPath(new URL('.', import.meta.url));
const wranglerConfig = fileURLToPath(new URL('../wrangler.toml', import.meta.url));

// A fresh edge signing key per test run stands in for the EDGE_SIGNING_KEY secret.
const { privateKey } = generateKeyPairSync('ed25519');
const edgeSigningKey = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'edge-test' });

/** Tests under worker/ run inside workerd with the Worker and bindings from the root wrangler.toml. */
export default defineConfig({
  root: workerRoot,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: wranglerConfig },
      miniflare: { bindings: { EDGE_SIGNING_KEY: edgeSigningKey } },
    }),
  ],
  // A safety limit only: a Durable Object's first start can take seconds on a loaded 2-core host.
  test: { name: 'workers', include: ['**/*.test.ts'], testTimeout: 30_000 },
});
