import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePacedDeviceSpeed, splitPacedDeviceFlag } from '../../gpu-node/testing/paced-device.ts';
import { createTestEdgeKeys } from '../../gpu-node/testing/test-edge-keys.ts';
import type { StartedPool } from '../../scripts/local-stack/pool-process.ts';
import { expectSuccess, generate } from '../../test/support/pool-client.ts';
import { pacedPoolStarter } from './paced-pools.ts';

describe('paced device speed', () => {
  it('reads FIXED+PER_MEGAPIXEL and refuses anything else', () => {
    expect(parsePacedDeviceSpeed('1.5+32')).toEqual({ fixedMs: 1.5, msPerMegapixel: 32 });
    expect(parsePacedDeviceSpeed(' 0 + 400 ')).toEqual({ fixedMs: 0, msPerMegapixel: 400 });
    for (const bad of ['', '32', '1.5+', '-1+3', '0+0', '1+2+3', 'a+b'])
      expect(parsePacedDeviceSpeed(bad)).toBeNull();
  });

  it('takes its flag off the command line and leaves the gpu-node flags in order', () => {
    expect(splitPacedDeviceFlag(['--pool-id', 'p', '--paced-step-ms', '2+10', '--port', '0'])).toEqual({
      speed: { fixedMs: 2, msPerMegapixel: 10 },
      rest: ['--pool-id', 'p', '--port', '0'],
    });
    expect(splitPacedDeviceFlag(['--pool-id', 'p'])).toHaveProperty('error');
    expect(splitPacedDeviceFlag(['--paced-step-ms', 'fast'])).toHaveProperty('error');
  });
});

let started: StartedPool | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

describe('a paced pool process', () => {
  it('is a real gpu-node whose steps take the device time, and drains on SIGTERM', async () => {
    const edge = await createTestEdgeKeys();
    const poolKeyPath = join(dirname(edge.publicKeyPath), 'pool.pem');
    const poolKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFile(poolKeyPath, poolKey);
    // 40 ms a step whatever the batch: 5 steps cannot finish sooner than 200 ms on any host.
    started = await pacedPoolStarter('40+0')({
      poolId: 'paced-test',
      // Nothing listens there: its heartbeats fail, which a pool survives.
      edgeUrl: 'http://127.0.0.1:9',
      edgePublicKeyPath: edge.publicKeyPath,
      poolKeyPath,
      heartbeatIntervalMs: 60_000,
      extraFlags: [],
    });
    const token = await edge.dispatchToken({ audience: 'paced-test', subject: 'tenant-a' });
    const sentAt = performance.now();
    const answer = expectSuccess(
      await generate(started.url, { prompt: 'a paced fox', size: '64x64', steps: 5, seed: 3 }, { token }),
    );
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(200);
    const png = Buffer.from(answer.data[0]?.b64_json ?? '', 'base64');
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const { process: child } = started;
    await started.stop();
    started = undefined;
    expect(child.exitCode).toBe(0);
  });
});
