import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { type TelemetryReport, telemetryReportSchema } from '../../shared/index.ts';
import { createHeartbeatSigner } from '../security/heartbeat-signer.ts';
import { HeartbeatClient } from './heartbeat-client.ts';
import { report } from './test-telemetry-report.ts';

const poolId = 'pool-eu-1';
const heartbeatTyp = 'spillway-heartbeat+jwt';

type KeyKind = 'ed25519' | 'p256';

function keyPair(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  return kind === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** One push as the receiver saw it. */
interface Received {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly kid: string | undefined;
  readonly telemetry: TelemetryReport | null;
  readonly rejection: string | null;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** A stand-in for the edge's telemetry endpoint: verifies each heartbeat as the edge would. */
async function startReceiver(
  publicKey: KeyObject,
  algorithm: 'EdDSA' | 'ES256',
  status: () => number = () => 204,
) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const token = await readBody(request);
      let telemetry: TelemetryReport | null = null;
      let rejection: string | null = null;
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: [algorithm],
          typ: heartbeatTyp,
          issuer: poolId,
          audience: 'spillway-edge',
          subject: poolId,
          requiredClaims: ['exp', 'iat', 'jti'],
        });
        telemetry = telemetryReportSchema.parse(payload.telemetry);
      } catch (error) {
        rejection = error instanceof Error ? error.message : String(error);
      }
      received.push({
        at: Date.now(),
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        kid,
        telemetry,
        rejection,
      });
      response.writeHead(rejection ? 401 : status()).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  cleanups.push(close);
  return { url: new URL(`http://127.0.0.1:${port}`), received };
}

async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup();
});

function startClient(options: {
  edgeUrl: URL;
  key: KeyObject;
  intervalMs: number;
  report: () => TelemetryReport;
  onError?: (error: unknown) => void;
}): HeartbeatClient {
  const client = new HeartbeatClient({
    edgeUrl: options.edgeUrl,
    poolId,
    intervalMs: options.intervalMs,
    sign: createHeartbeatSigner(poolId, options.key, 'pool-key-1'),
    report: options.report,
    fetch,
    onError: options.onError ?? (() => undefined),
  });
  client.start();
  cleanups.push(() => client.stop());
  return client;
}

describe('HeartbeatClient', () => {
  it.each([
    ['ed25519', 'EdDSA'],
    ['p256', 'ES256'],
  ] as const)(
    'heartbeat: pushes verifiable %s (%s) reports periodically to POST /v1/pools/<id>/telemetry',
    async (kind, algorithm) => {
      const { privateKey, publicKey } = keyPair(kind);
      const receiver = await startReceiver(publicKey, algorithm);
      let queued = 0;
      const errors: unknown[] = [];
      startClient({
        edgeUrl: receiver.url,
        key: privateKey,
        intervalMs: 100,
        report: () => report({ queued: queued++ }),
        onError: (error) => errors.push(error),
      });

      await waitFor(() => receiver.received.length >= 3);
      const [first, second, third] = receiver.received;
      for (const push of [first, second, third]) {
        expect(push?.rejection).toBeNull();
        expect(push?.method).toBe('POST');
        expect(push?.path).toBe(`/v1/pools/${poolId}/telemetry`);
        expect(push?.contentType).toBe('application/jwt');
        expect(push?.kid).toBe('pool-key-1');
      }
      expect([first, second, third].map((push) => push?.telemetry?.queued)).toEqual([0, 1, 2]);
      expect(first?.telemetry?.pool_id).toBe(poolId);
      // The first push goes out at once; the next ones follow the interval, not a busy loop.
      expect((third?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(100);
      expect(errors).toEqual([]);
    },
  );

  it('heartbeat: keeps the base path of the edge URL', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA');
    startClient({ edgeUrl: new URL('/edge', receiver.url), key: privateKey, intervalMs: 10_000, report });
    await waitFor(() => receiver.received.length >= 1);
    expect(receiver.received[0]?.path).toBe(`/edge/v1/pools/${poolId}/telemetry`);
  });

  it('heartbeat: a token signed by another key fails verification at the receiver', async () => {
    const pool = keyPair('ed25519');
    const impostor = keyPair('ed25519');
    const receiver = await startReceiver(pool.publicKey, 'EdDSA');

    const forged = await createHeartbeatSigner(poolId, impostor.privateKey, undefined)(report());
    await expect(
      jwtVerify(forged, pool.publicKey, {
        algorithms: ['EdDSA'],
        typ: heartbeatTyp,
        issuer: poolId,
        audience: 'spillway-edge',
      }),
    ).rejects.toThrow();

    const errors: unknown[] = [];
    startClient({
      edgeUrl: receiver.url,
      key: impostor.privateKey,
      intervalMs: 10_000,
      report,
      onError: (error) => errors.push(error),
    });
    await waitFor(() => errors.length >= 1);
    expect(receiver.received[0]?.telemetry).toBeNull();
    expect(receiver.received[0]?.rejection).toMatch(/signature/i);
    expect(String(errors[0])).toContain('401');
  });

  it('heartbeat: a P-256 token does not verify against the pool key pinned to EdDSA', async () => {
    const p256 = keyPair('p256');
    const token = await createHeartbeatSigner(poolId, p256.privateKey, undefined)(report());
    await expect(
      jwtVerify(token, p256.publicKey, {
        algorithms: ['EdDSA'],
        typ: heartbeatTyp,
        issuer: poolId,
        audience: 'spillway-edge',
      }),
    ).rejects.toThrow();
  });

  it('heartbeat: notifyChange pushes promptly when draining flips, long before the next tick', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA');
    let draining = false;
    const client = startClient({
      edgeUrl: receiver.url,
      key: privateKey,
      intervalMs: 10_000,
      report: () => report({ draining }),
    });
    await waitFor(() => receiver.received.length >= 1);

    draining = true;
    const flippedAt = Date.now();
    client.notifyChange();
    await waitFor(() => receiver.received.length >= 2, 2_000);
    expect(receiver.received[1]?.telemetry?.draining).toBe(true);
    expect((receiver.received[1]?.at ?? Number.POSITIVE_INFINITY) - flippedAt).toBeLessThan(1_000);
  });

  it('heartbeat: notifyChange stays quiet when nothing significant changed', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA');
    let queued = 0;
    const client = startClient({
      edgeUrl: receiver.url,
      key: privateKey,
      intervalMs: 10_000,
      report: () => report({ queued }),
    });
    await waitFor(() => receiver.received.length >= 1);

    queued = 1;
    client.notifyChange();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);

    queued = 8;
    client.notifyChange();
    await waitFor(() => receiver.received.length >= 2, 2_000);
    expect(receiver.received[1]?.telemetry?.queued).toBe(8);
  });

  it('heartbeat: stop() sends one final report and then nothing more', async () => {
    const { privateKey, publicKey } = keyPair('p256');
    const receiver = await startReceiver(publicKey, 'ES256');
    let draining = false;
    const client = new HeartbeatClient({
      edgeUrl: receiver.url,
      poolId,
      intervalMs: 10_000,
      sign: createHeartbeatSigner(poolId, privateKey, undefined),
      report: () => report({ draining }),
      fetch,
      onError: () => undefined,
    });
    client.start();
    await waitFor(() => receiver.received.length >= 1);

    draining = true;
    await client.stop();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.telemetry?.draining).toBe(true);
    expect(receiver.received[1]?.kid).toBeUndefined();

    client.notifyChange();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(2);
  });

  it('heartbeat: an edge answering 500 fires onError and the client keeps pushing', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA', () => 500);
    const errors: unknown[] = [];
    startClient({
      edgeUrl: receiver.url,
      key: privateKey,
      intervalMs: 100,
      report,
      onError: (error) => errors.push(error),
    });

    await waitFor(() => receiver.received.length >= 3 && errors.length >= 3);
    expect(String(errors[0])).toContain('500');
    expect(receiver.received.every((push) => push.rejection === null)).toBe(true);
  });

  it('heartbeat: an unreachable edge fires onError without throwing', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA');
    const closed = cleanups.pop();
    await closed?.();
    const errors: unknown[] = [];
    startClient({
      edgeUrl: receiver.url,
      key: privateKey,
      intervalMs: 10_000,
      report,
      onError: (error) => errors.push(error),
    });
    await waitFor(() => errors.length >= 1);
    expect(errors[0]).toBeInstanceOf(Error);
  });
});
