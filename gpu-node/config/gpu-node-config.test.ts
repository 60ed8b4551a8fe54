import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readGpuNodeFlags } from './cli.ts';
import {
  engineParallelism,
  type GpuNodeConfig,
  gpuNodeDefaults,
  parseGpuNodeConfig,
} from './gpu-node-config.ts';

/** Parses raw settings, failing the test with the message when they are refused. */
function configOf(raw: Record<string, unknown>): GpuNodeConfig {
  const parsed = parseGpuNodeConfig(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
}

/** The refusal message for raw settings, failing the test when they are accepted. */
function messageOf(raw: Record<string, unknown>): string {
  const parsed = parseGpuNodeConfig(raw);
  if (parsed.ok) throw new Error('expected the configuration to be refused');
  return parsed.message;
}

// Each test sees an environment without SPILLWAY_* variables and gets the real one back after.
let savedEnvironment: Record<string, string | undefined> = {};
beforeEach(() => {
  savedEnvironment = {};
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('SPILLWAY_')) {
      savedEnvironment[name] = process.env[name];
      delete process.env[name];
    }
  }
});
afterEach(() => {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('SPILLWAY_')) delete process.env[name];
  }
  for (const [name, value] of Object.entries(savedEnvironment)) {
    if (value !== undefined) process.env[name] = value;
  }
});

describe('parseGpuNodeConfig', () => {
  it('gpu-node config: applies defaults to everything not given', () => {
    const config = configOf({ edgePublicKey: '/keys/edge.pub.pem' });
    expect(config).toMatchObject({
      port: 9001,
      host: '127.0.0.1',
      poolId: 'local',
      providers: ['tensorrt', 'cuda', 'cpu'],
      deviceId: 0,
      maxBatchSize: 16,
      maxQueueSize: 256,
      modelDir: '.spillway/models',
      edgeIssuer: 'spillway-edge',
      jwtAlgorithms: ['ES256', 'EdDSA'],
      insecureNoAuth: false,
      protectOps: false,
      heartbeatIntervalMs: 1000,
      resultTtlMs: 600_000,
      maxKeptJobs: 1024,
      maxBodyBytes: 64 * 1024,
      drainTimeoutMs: 600_000,
      pngCompressionLevel: 1,
      logLevel: 'info',
    });
    expect(config.workers).toBeUndefined();
    expect(config.audience).toBeUndefined();
    expect(config.edgeUrl).toBeUndefined();
  });

  it('gpu-node config: string values from flags are coerced and lists split on commas', () => {
    const config = configOf({
      insecureNoAuth: true,
      port: '8080',
      providers: ' cuda , cpu ',
      jwtAlgorithms: 'EdDSA',
      workers: '3',
    });
    expect(config.port).toBe(8080);
    expect(config.providers).toEqual(['cuda', 'cpu']);
    expect(config.jwtAlgorithms).toEqual(['EdDSA']);
    expect(config.workers).toBe(3);
    expect(config.insecureNoAuth).toBe(true);
  });

  it('gpu-node config: undefined values fall back to the defaults instead of failing', () => {
    const config = configOf({ insecureNoAuth: true, port: undefined, poolId: undefined });
    expect(config.port).toBe(gpuNodeDefaults.port);
    expect(config.poolId).toBe(gpuNodeDefaults.poolId);
  });

  it('gpu-node config: a number flag that is not a number says what it got, an empty one too', () => {
    expect(messageOf({ insecureNoAuth: true, port: 'abc' })).toMatch(
      /--port: expected a whole number, got "abc"/,
    );
    // Coerced, "" was port 0: a random port, silently.
    expect(messageOf({ insecureNoAuth: true, port: '' })).toMatch(/--port: expected a whole number, got ""/);
    expect(messageOf({ insecureNoAuth: true, maxBatchSize: ' ' })).toMatch(
      /--max-batch-size: expected a whole number/,
    );
  });

  it('gpu-node config: a bad port is refused with a message naming --port', () => {
    for (const port of ['70000', 'eighty', '-1', '80.5']) {
      const message = messageOf({ insecureNoAuth: true, port });
      expect(message).toMatch(/^\s*--port: /m);
      expect(message).not.toContain('--providers');
    }
  });

  it('gpu-node config: an unknown provider is refused with a message naming --providers', () => {
    expect(messageOf({ insecureNoAuth: true, providers: 'cuda,rocm' })).toMatch(/^\s*--providers: /m);
    expect(messageOf({ insecureNoAuth: true, providers: ',' })).toMatch(/^\s*--providers: /m);
  });

  it('gpu-node config: a shared-secret algorithm is refused with a message naming --jwt-algorithms', () => {
    expect(messageOf({ insecureNoAuth: true, jwtAlgorithms: 'HS256' })).toMatch(/^\s*--jwt-algorithms: /m);
  });

  it('gpu-node config: no edge key and no --insecure-no-auth is refused with a message naming --edge-public-key', () => {
    expect(messageOf({})).toMatch(/^\s*--edge-public-key: .*--edge-jwks-url/m);
  });

  it('gpu-node config: both an edge key file and a JWKS URL is refused', () => {
    const message = messageOf({
      edgePublicKey: '/keys/edge.pub.pem',
      edgeJwksUrl: 'https://edge.example/jwks.json',
    });
    expect(message).toMatch(/^\s*--edge-public-key: /m);
  });

  it('gpu-node config: --edge-url without --pool-key is refused', () => {
    const message = messageOf({ insecureNoAuth: true, edgeUrl: 'https://edge.example' });
    expect(message).toMatch(/^\s*--pool-key: .*--edge-url/m);
    const config = configOf({
      insecureNoAuth: true,
      edgeUrl: 'https://edge.example',
      poolKey: '/keys/pool.pem',
    });
    expect(config.edgeUrl).toBe('https://edge.example');
  });

  it('gpu-node config: every malformed setting is named in one message', () => {
    const message = messageOf({ insecureNoAuth: true, port: 'x', providers: 'gpu', poolId: 'bad pool id' });
    for (const flag of ['--port', '--providers', '--pool-id'])
      expect(message).toMatch(new RegExp(`^\\s*${flag}: `, 'm'));
  });
});

describe('readGpuNodeFlags', () => {
  it('gpu-node flags: reads kebab-case flags into the config keys', () => {
    const config = configOf(
      readGpuNodeFlags([
        '--port',
        '9100',
        '--pool-id',
        'pool-eu-1',
        '--providers',
        'cpu',
        '--edge-public-key',
        '/keys/edge.pub.pem',
        '--protect-ops',
      ]),
    );
    expect(config.port).toBe(9100);
    expect(config.poolId).toBe('pool-eu-1');
    expect(config.providers).toEqual(['cpu']);
    expect(config.edgePublicKey).toBe('/keys/edge.pub.pem');
    expect(config.protectOps).toBe(true);
    expect(config.insecureNoAuth).toBe(false);
  });

  it('gpu-node flags: --pipeline repeats, one model each; it excludes --model-manifest', () => {
    const flags = [
      '--insecure-no-auth',
      '--pipeline',
      'a=/m/a',
      '--pipeline',
      '/m/b',
      '--pipeline-sizes',
      '512x512,768x512',
    ];
    const config = configOf(readGpuNodeFlags(flags));
    expect(config.pipeline).toEqual(['a=/m/a', '/m/b']);
    expect(config.pipelineSizes).toEqual(['512x512', '768x512']);
    expect(messageOf(readGpuNodeFlags([...flags, '--model-manifest', '/m/x.json']))).toContain(
      'give --pipeline DIR or --model-manifest FILE, not both',
    );
  });

  it('gpu-node flags: falls back to SPILLWAY_POOL_ID, and a flag beats the environment', () => {
    process.env.SPILLWAY_POOL_ID = 'pool-from-env';
    process.env.SPILLWAY_INSECURE_NO_AUTH = '1';
    expect(configOf(readGpuNodeFlags([])).poolId).toBe('pool-from-env');
    expect(configOf(readGpuNodeFlags(['--pool-id', 'pool-from-flag'])).poolId).toBe('pool-from-flag');
  });

  it('gpu-node flags: multi-word flags fall back to SPILLWAY_ variables with underscores', () => {
    process.env.SPILLWAY_EDGE_PUBLIC_KEY = '/keys/from-env.pem';
    process.env.SPILLWAY_MAX_BATCH_SIZE = '4';
    const config = configOf(readGpuNodeFlags([]));
    expect(config.edgePublicKey).toBe('/keys/from-env.pem');
    expect(config.maxBatchSize).toBe(4);
  });

  it('gpu-node flags: a switch set to false or 0 in the environment stays off', () => {
    process.env.SPILLWAY_EDGE_PUBLIC_KEY = '/keys/edge.pub.pem';
    process.env.SPILLWAY_INSECURE_NO_AUTH = 'false';
    process.env.SPILLWAY_PROTECT_OPS = '0';
    const config = configOf(readGpuNodeFlags([]));
    expect(config.insecureNoAuth).toBe(false);
    expect(config.protectOps).toBe(false);
  });

  it('gpu-node flags: a switch set to true or 1 in the environment is on', () => {
    process.env.SPILLWAY_INSECURE_NO_AUTH = 'true';
    process.env.SPILLWAY_PROTECT_OPS = '1';
    const config = configOf(readGpuNodeFlags([]));
    expect(config.insecureNoAuth).toBe(true);
    expect(config.protectOps).toBe(true);
  });
});

describe('engineParallelism', () => {
  const cores = availableParallelism();

  it('gpu-node parallelism: one worker feeds a GPU, using every core for its intra-op threads', () => {
    const config = configOf({ insecureNoAuth: true });
    expect(engineParallelism(config, 'cuda')).toEqual({ workers: 1, intraOpThreads: cores });
    expect(engineParallelism(config, 'tensorrt')).toEqual({ workers: 1, intraOpThreads: cores });
  });

  it('gpu-node parallelism: on CPU one single-threaded worker per core', () => {
    expect(engineParallelism(configOf({ insecureNoAuth: true }), 'cpu')).toEqual({
      workers: cores,
      intraOpThreads: 1,
    });
  });

  it('gpu-node parallelism: --workers and --intra-op-threads override the defaults', () => {
    const workersOnly = configOf({ insecureNoAuth: true, workers: '2' });
    expect(engineParallelism(workersOnly, 'cpu')).toEqual({
      workers: 2,
      intraOpThreads: Math.max(1, Math.floor(cores / 2)),
    });
    expect(engineParallelism(workersOnly, 'cuda').workers).toBe(2);
    const both = configOf({ insecureNoAuth: true, workers: '3', intraOpThreads: '5' });
    expect(engineParallelism(both, 'cpu')).toEqual({ workers: 3, intraOpThreads: 5 });
  });

  it('gpu-node parallelism: --cpu-cores is the pool’s share of the host, for both defaults', () => {
    const share = configOf({ insecureNoAuth: true, cpuCores: '3' });
    expect(engineParallelism(share, 'cpu')).toEqual({ workers: 3, intraOpThreads: 1 });
    expect(engineParallelism(share, 'cuda')).toEqual({ workers: 1, intraOpThreads: 3 });
    expect(messageOf({ insecureNoAuth: true, cpuCores: '0' })).toContain('--cpu-cores');
  });
});
