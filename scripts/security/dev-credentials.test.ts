import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateDevPoolKey } from './dev-credentials.ts';

describe('dev credentials', () => {
  it('pool key: created on first use, the same key (file and public JWK) on every later start', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'spillway-keys-'));
    try {
      const created = await loadOrCreateDevPoolKey(folder, 'local-a');
      const loaded = await loadOrCreateDevPoolKey(folder, 'local-a');
      expect(loaded).toEqual(created);
      expect(created.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
      expect(created.publicJwk).not.toHaveProperty('d');
      expect((await loadOrCreateDevPoolKey(folder, 'local-b')).publicJwk.x).not.toBe(created.publicJwk.x);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
