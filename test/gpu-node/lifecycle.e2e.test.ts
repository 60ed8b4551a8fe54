import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeBatchEngine } from '../../gpu-node/testing/fake-batch-engine.ts';
import { startFakeEngine, startTestPool, type TestPool } from '../../gpu-node/testing/test-pool.ts';
import { edgeIssuer, type TelemetryReport, telemetryReportSchema, tokenTypes } from '../../shared/index.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { writeKeyPair } from '../support/keys.ts';
import { eventually, expectError, expectSuccess, generate, telemetry } from '../support/pool-client.ts';

let running: GpuNodeProcess[] = [];
let inProcess: Array<{ stop(): Promise<void> }> = [];
let receivers: Server[] = [];

afterEach(async () => {
  await Promise.all(running.map((pool) => pool.kill()));
  await Promise.all(inProcess.map((pool) => pool.stop()));
  await Promise.all(receivers.map((server) => new Promise((closed) => server.close(closed))));
  running = [];
  inProcess = [];
  receivers = [];
});

const quick = { size: '64x64', steps: 2 } as const;
/** Longer than any drain below needs; reaching it fails the test with 'timed-out'. */
const drainTimeoutMs = 60_000;

async function startFakeEnginePool(poolId: string): Promise<TestPool<FakeBatchEngine>> {
  const pool = await startTestPool(startFakeEngine, { poolId, workers: 1, maxBatchSize: 1 });
  inProcess.push(pool);
  return pool;
}

async function start(flags: readonly string[]): Promise<GpuNodeProcess> {
  const pool = await startGpuNode(flags);
  running.push(pool);
  return pool;
}

describe('gpu-node lifecycle', () => {
  it('drain: finishes running and queued jobs, refuses new ones, then stops', async () => {
    const pool = await startFakeEnginePool('drainer');
    const inFlight = [1, 2].map((seed) => generate(pool.url, { prompt: 'finish me', seed, ...quick }));
    await pool.engine.whenSubmitted(1);
    await eventually(() => pool.scheduler.load().queued === 1);
    const stopped = pool.drainAndStop(drainTimeoutMs);
    expect((await fetch(`${pool.url}/v2/health/ready`)).status).toBe(503);
    expect(await telemetry(pool.url)).toMatchObject({ draining: true, ready: false });
    const refused = expectError(await generate(pool.url, { prompt: 'too late', ...quick }));
    expect([refused.status, refused.error.code]).toEqual([503, 'draining']);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // Every response of a draining pool closes its connection, so the stop waits for no client.
    expect(refused.headers.get('connection')).toBe('close');
    pool.engine.runUntilIdle();
    for (const answer of await Promise.all(inFlight)) expectSuccess(answer);
    expect(await stopped).toBe('drained');
    await expect(fetch(`${pool.url}/v2/health/live`)).rejects.toThrow();
  });

  it('drain: work that outlasts the drain timeout is cut off and the stop says so', async () => {
    const pool = await startFakeEnginePool('impatient');
    const stuck = generate(pool.url, { prompt: 'never finishes', ...quick });
    await pool.engine.whenSubmitted(1);
    expect(await pool.drainAndStop(1)).toBe('timed-out');
    await expect(stuck).rejects.toThrow();
  });

  it('drain: a real engine cut off mid-step by the drain timeout exits 1, not an abort', async () => {
    const pool = await start(['--insecure-no-auth', '--workers', '1', '--drain-timeout-ms', '300']);
    // Long enough (seconds of CPU steps) that the drain's 300 ms run out while it steps.
    const long = generate(pool.url, { prompt: 'outlasts the drain', size: '1024x1024', steps: 100 }).catch(
      () => null,
    );
    await eventually(async () => {
      const metrics = await (await fetch(`${pool.url}/metrics`)).text();
      return /^spillway_running_images 1$/m.test(metrics);
    }, 30_000);
    pool.child.kill('SIGTERM');
    // Terminating the worker inside an ONNX Runtime run aborted the process (exit 134, no code).
    expect(await pool.exited).toBe(1);
    expect(pool.logs.join('\n')).not.toContain('terminate called');
    expect(pool.logs.some((line) => line.includes('gpu-node stopped') && line.includes('timed-out'))).toBe(
      true,
    );
    await long;
  }, 120_000);

  it('start-up: a port already in use ends start-up with one line naming it, exit 1', async () => {
    const first = await start(['--insecure-no-auth', '--workers', '1']);
    const port = new URL(first.url).port;
    const second = spawnSync(
      process.execPath,
      ['gpu-node/main.ts', '--insecure-no-auth', '--workers', '1', '--port', port],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(second.status).toBe(1);
    expect(second.stdout).toContain(`127.0.0.1:${port} is already in use`);
    // A logged line, not an uncaught error's trace on stderr.
    expect(second.stderr).not.toMatch(/^\s+at /m);
  }, 90_000);

  it('config: a bad flag exits 2 with a message that names it', () => {
    const result = spawnSync(
      process.execPath,
      ['gpu-node/main.ts', '--port', 'eighty', '--providers', 'cpu,quantum'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--port');
    expect(result.stderr).toContain('--providers');
    const noAuth = spawnSync(process.execPath, ['gpu-node/main.ts', '--port', '0'], { encoding: 'utf8' });
    expect(noAuth.status).toBe(2);
    expect(noAuth.stderr).toContain('--edge-public-key');
    // One commander refuses before the config sees it: the same usage error.
    const unknown = spawnSync(process.execPath, ['gpu-node/main.ts', '--no-such-flag'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'");
  });

  it('config: a model manifest that breaks the contract stops start-up with a clear error', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'spillway-manifest-'));
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify({ name: 'broken', sizes: ['64x64'] }));
    const result = spawnSync(
      process.execPath,
      [
        'gpu-node/main.ts',
        '--insecure-no-auth',
        '--model-manifest',
        join(folder, 'manifest.json'),
        '--port',
        '0',
      ],
      { encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('invalid model manifest');
    expect(result.stdout).toContain('denoiser');
  });

  it('heartbeats: pushes reports signed with the pool key; SIGTERM sends a draining one, drains and exits 0', async () => {
    const poolKey = writeKeyPair('ed25519', 'pool');
    const received: TelemetryReport[] = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        try {
          expect(request.url).toBe('/v1/pools/hb-pool/telemetry');
          expect(request.headers['content-type']).toBe('application/jwt');
          const { payload } = await jwtVerify(Buffer.concat(chunks).toString(), poolKey.publicKey, {
            algorithms: ['EdDSA'],
            issuer: 'hb-pool',
            audience: edgeIssuer,
            typ: tokenTypes.heartbeat,
          });
          received.push(telemetryReportSchema.parse(payload.telemetry));
          response.writeHead(204).end();
        } catch {
          response.writeHead(401).end();
        }
      });
    });
    receivers.push(receiver);
    await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
    const edgeUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const pool = await start([
      '--pool-id',
      'hb-pool',
      '--insecure-no-auth',
      '--edge-url',
      edgeUrl,
      '--pool-key',
      poolKey.privatePath,
      '--heartbeat-interval-ms',
      '200',
      '--providers',
      'cpu',
    ]);
    await eventually(() => received.length >= 3);
    expect(received[0]).toMatchObject({
      pool_id: 'hb-pool',
      execution_provider: 'cpu',
      draining: false,
      // An idle pool that has measured nothing: no invented curve or throughput.
      work: { queued: 0, running: 0, throughput_per_s: null, step_curve: [] },
    });
    pool.child.kill('SIGTERM');
    expect(await pool.exited).toBe(0);
    expect(received.at(-1)?.draining).toBe(true);
    expect(pool.logs.some((line) => line.includes('"result":"drained"'))).toBe(true);
  });
});
