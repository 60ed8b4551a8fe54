import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { edgeIssuer, type TelemetryReport, telemetryReportSchema } from '../../shared/index.ts';
import { createHeartbeatSigner } from '../security/heartbeat-signer.ts';
import { CountWatch } from '../testing/count-watch.ts';
import { poolId, report } from '../testing/test-telemetry-report.ts';
import { HeartbeatClient } from './heartbeat-client.ts';

const heartbeatTyp = 'spillway-heartbeat+jwt';

type KeyKind = 'ed25519' | 'p256';

function keyPair(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  return kind === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** One push as the receiver saw it. */
interface Received {
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

/** Verifies a heartbeat token the way the edge does. */
function verifyAsEdge(token: string, publicKey: KeyObject, algorithm: 'EdDSA' | 'ES256') {
  return jwtVerify(token, publicKey, {
    algorithms: [algorithm],
    typ: heartbeatTyp,
    issuer: poolId,
    audience: edgeIssuer,
    subject: poolId,
    requiredClaims: ['exp', 'iat', 'jti'],
  });
}

/** A stand-in for the edge's telemetry endpoint: verifies each heartbeat as the edge would. */
async function startReceiver(
  publicKey: KeyObject,
  algorithm: 'EdDSA' | 'ES256',
  status: () => number = () => 204,
) {
  const received: Received[] = [];
  const arrivals = new CountWatch(() => received.length);
  const server = createServer((request, response) => {
    void (async () => {
      const token = await readBody(request);
      let telemetry: TelemetryReport | null = null;
      let rejection: string | null = null;
      let kid: string | undefined;
      try {
        kid = decodeProtectedHeader(token).kid;
        const { payload } = await verifyAsEdge(token, publicKey, algorithm);
        telemetry = telemetryReportSchema.parse(payload.telemetry);
      } catch (error) {
        rejection = error instanceof Error ? error.message : String(error);
      }
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        kid,
        telemetry,
        rejection,
      });
      response.writeHead(rejection ? 401 : status()).end();
      arrivals.notify();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  cleanups.push(close);
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    received,
    whenReceived: (count: number) => arrivals.whenAtLeast(count),
  };
}

/** onError calls, and a way to wait for them. */
function errorLog() {
  const errors: unknown[] = [];
  const arrivals = new CountWatch(() => errors.length);
  return {
    errors,
    onError: (error: unknown) => {
      errors.push(error);
      arrivals.notify();
    },
    whenFailed: (count: number) => arrivals.whenAtLeast(count),
  };
}

// Long enough that only the first, immediate push happens during a test; the timing of later
// ones is tested with a fake clock in heartbeat-schedule.test.ts.
const intervalMs = 600_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup();
});

function startClient(options: {
  edgeUrl: URL;
  key: KeyObject;
  keyId?: string;
  report?: () => TelemetryReport;
  onError?: (error: unknown) => void;
}): HeartbeatClient {
  const client = new HeartbeatClient({
    edgeUrl: options.edgeUrl,
    poolId,
    intervalMs,
    sign: createHeartbeatSigner(poolId, options.key, options.keyId),
    report: options.report ?? report,
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
    'heartbeat: pushes a verifiable %s (%s) report to POST /v1/pools/<id>/telemetry',
    async (kind, algorithm) => {
      const { privateKey, publicKey } = keyPair(kind);
      const receiver = await startReceiver(publicKey, algorithm);
      const { errors, onError } = errorLog();
      startClient({
        edgeUrl: receiver.url,
        key: privateKey,
        keyId: 'pool-key-1',
        report: () => report({ queued: 3 }),
        onError,
      });

      await receiver.whenReceived(1);
      expect(receiver.received[0]).toMatchObject({
        rejection: null,
        method: 'POST',
        path: `/v1/pools/${poolId}/telemetry`,
        contentType: 'application/jwt',
        kid: 'pool-key-1',
        telemetry: { pool_id: poolId, queued: 3 },
      });
      expect(errors).toEqual([]);
    },
  );

  it('heartbeat: keeps the base path of the edge URL', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA');
    startClient({ edgeUrl: new URL('/edge', receiver.url), key: privateKey });
    await receiver.whenReceived(1);
    expect(receiver.received[0]?.path).toBe(`/edge/v1/pools/${poolId}/telemetry`);
  });

  it('heartbeat: a token signed by another key fails verification at the receiver', async () => {
    const pool = keyPair('ed25519');
    const impostor = keyPair('ed25519');
    const receiver = await startReceiver(pool.publicKey, 'EdDSA');

    const forged = await createHeartbeatSigner(poolId, impostor.privateKey, undefined)(report());
    await expect(verifyAsEdge(forged, pool.publicKey, 'EdDSA')).rejects.toThrow();

    const { errors, onError, whenFailed } = errorLog();
    startClient({ edgeUrl: receiver.url, key: impostor.privateKey, onError });
    await whenFailed(1);
    expect(receiver.received[0]?.telemetry).toBeNull();
    expect(receiver.received[0]?.rejection).toMatch(/signature/i);
    expect(String(errors[0])).toContain('401');
  });

  it('heartbeat: a redirecting edge URL is a failed push; the Location never gets the report', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA');
    const asked: string[] = [];
    const redirecting = createServer((request, response) => {
      asked.push(request.url ?? '');
      response.writeHead(307, { location: new URL(request.url ?? '/', receiver.url).href }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => redirecting.close(() => resolve())));
    const { port } = redirecting.address() as AddressInfo;
    const { errors, onError, whenFailed } = errorLog();
    startClient({ edgeUrl: new URL(`http://127.0.0.1:${port}`), key: privateKey, onError });
    // Whichever comes first: the push failing here, or the report arriving where it was sent.
    await Promise.race([whenFailed(1), receiver.whenReceived(1)]);
    expect([asked, receiver.received]).toEqual([[`/v1/pools/${poolId}/telemetry`], []]);
    expect(String(errors[0])).toContain('307');
  });

  it('heartbeat: a P-256 token does not verify against the pool key pinned to EdDSA', async () => {
    const p256 = keyPair('p256');
    const token = await createHeartbeatSigner(poolId, p256.privateKey, undefined)(report());
    await expect(verifyAsEdge(token, p256.publicKey, 'EdDSA')).rejects.toThrow();
  });

  it('heartbeat: stop() delivers a final report before it resolves', async () => {
    const { privateKey, publicKey } = keyPair('p256');
    const receiver = await startReceiver(publicKey, 'ES256');
    let draining = false;
    const client = startClient({
      edgeUrl: receiver.url,
      key: privateKey,
      report: () => report({ draining }),
    });
    await receiver.whenReceived(1);

    draining = true;
    await client.stop();
    expect(receiver.received.map((push) => push.telemetry?.draining)).toEqual([false, true]);
    expect(receiver.received[1]?.kid).toBeUndefined();
  });

  it('heartbeat: an edge answering 500 fires onError with the status', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA', () => 500);
    const { errors, onError, whenFailed } = errorLog();
    startClient({ edgeUrl: receiver.url, key: privateKey, onError });
    await whenFailed(1);
    expect(String(errors[0])).toContain('500');
    expect(receiver.received[0]?.rejection).toBeNull();
  });

  it('heartbeat: an unreachable edge fires onError without throwing', async () => {
    const { privateKey, publicKey } = keyPair('ed25519');
    const receiver = await startReceiver(publicKey, 'EdDSA');
    const closed = cleanups.pop();
    await closed?.();
    const { errors, onError, whenFailed } = errorLog();
    startClient({ edgeUrl: receiver.url, key: privateKey, onError });
    await whenFailed(1);
    expect(errors[0]).toBeInstanceOf(Error);
  });
});
