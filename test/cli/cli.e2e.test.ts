import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecret } from '../../cli/io.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { poolOf, startTestStack, waitForTelemetry } from '../edge/edge-stack.ts';
import {
  type CliPlace,
  emptyPlace,
  expectOneLineError,
  finish,
  linesOf,
  localStackPlace,
  runCli,
  runJson,
  startCli,
} from './cli-runner.ts';

let stack: LocalStack;
/** A checkout where `npm start` ran: `.spillway/local.json`, no flags needed. */
let local: CliPlace;

beforeAll(async () => {
  stack = await startTestStack();
  local = localStackPlace(stack);
  await waitForTelemetry(stack);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

interface PoolRow {
  id: string;
  provider: string;
  health: string;
  draining: boolean;
  price_per_image: number | null;
}

describe('spillway CLI against the local stack', () => {
  it('login: a refused token saves nothing; a good one is saved 0600 and used from anywhere', async () => {
    const place = emptyPlace();
    const configFile = join(String(place.env.XDG_CONFIG_HOME), 'spillway', 'config.json');
    const refused = await runCli(place, 'login', '--edge', stack.edgeUrl, '--token', 'not-a-token');
    expectOneLineError(refused, 5, /refused the operator token \(401 invalid_credentials/);
    expect(existsSync(configFile)).toBe(false);

    const login = await runCli(place, 'login', '--edge', stack.edgeUrl, '--token', stack.operatorToken);
    expect(login.code).toBe(0);
    expect(login.stdout + login.stderr).not.toContain(stack.operatorToken);
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(String(place.env.XDG_CONFIG_HOME), 'spillway')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toMatchObject({
      edge_url: stack.edgeUrl,
      operator_token: stack.operatorToken,
    });
    // No flags and no local.json in this folder: the saved login answers.
    const pools = await runJson<PoolRow[]>(place, 'pools', 'list');
    expect(pools.map((pool) => pool.id).sort()).toEqual(['pool-a', 'pool-b']);
  });

  it('login --api-key: the confirmation names the tenant key it saved, masked, never the key', async () => {
    const place = emptyPlace();
    const login = await runCli(
      place,
      ...['login', '--edge', stack.edgeUrl, '--token', stack.operatorToken, '--api-key', stack.apiKey],
    );
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`and tenant API key ${maskSecret(stack.apiKey)}`);
    expect(login.stdout + login.stderr).not.toContain(stack.apiKey);
    const json = await runJson<{ api_key?: string }>(
      emptyPlace(),
      ...['login', '--edge', stack.edgeUrl, '--token', stack.operatorToken, '--api-key', stack.apiKey],
    );
    expect(json.api_key).toBe(maskSecret(stack.apiKey));
    // Without --api-key nothing is said of one.
    const tokenOnly = await runCli(
      emptyPlace(),
      'login',
      '--edge',
      stack.edgeUrl,
      '--token',
      stack.operatorToken,
    );
    expect(tokenOnly.stdout).not.toContain('API key');
  });

  it('pools list: the table shows both pools of the stack with their columns', async () => {
    const run = await runCli(local, 'pools', 'list');
    expect(run.code).toBe(0);
    const [header, ...rows] = linesOf(run.stdout);
    for (const column of [
      'PROVIDER',
      'REGION',
      'PROTOCOL',
      'SLOTS',
      'QUEUED',
      'WORK QUEUED',
      'HEALTH',
      'PRICE',
    ])
      expect(header).toContain(column);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 4))).toEqual([
      ['pool-a', 'provider-a', 'local', 'gpu-node'],
      ['pool-b', 'provider-b', 'local', 'gpu-node'],
    ]);
    const json = await runJson<PoolRow[]>(local, 'pools', 'list');
    expect(json.map(({ id, health }) => [id, health])).toEqual([
      ['pool-a', 'healthy'],
      ['pool-b', 'healthy'],
    ]);
  });

  it('providers and pools: add, list and remove round trip, with a PEM heartbeat key', async () => {
    const added = await runCli(local, 'providers', 'add', 'prov-cli', '--name', 'CLI provider');
    expect(added.code).toBe(0);
    const providers = await runJson<Array<{ id: string; protocol: string }>>(local, 'providers', 'list');
    expect(providers).toContainEqual(expect.objectContaining({ id: 'prov-cli', protocol: 'gpu-node' }));

    const keyFile = join(local.cwd, 'pool-cli.pub.pem');
    const { publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const poolAdded = await runCli(
      local,
      ...['pools', 'add', 'pool-cli', '--provider', 'prov-cli', '--url', poolOf(stack, 'pool-a').url],
      ...['--region', 'eu', '--models', 'spillway-tiny', '--capacity', '2', '--public-key', keyFile],
      ...['--price', '0.004'],
    );
    expect(poolAdded.stderr).toBe('');
    expect(poolAdded.code).toBe(0);
    const listed = await runJson<PoolRow[]>(local, 'pools', 'list');
    // Registered but never heard from: the table says so.
    expect(listed.find((pool) => pool.id === 'pool-cli')).toMatchObject({
      provider: 'prov-cli',
      health: 'stale',
      price_per_image: 0.004,
    });

    expect((await runCli(local, 'pools', 'rm', 'pool-cli')).code).toBe(0);
    expect((await runCli(local, 'providers', 'rm', 'prov-cli')).code).toBe(0);
    expect((await runJson<PoolRow[]>(local, 'pools', 'list')).map((pool) => pool.id)).not.toContain(
      'pool-cli',
    );
    expect((await runJson<Array<{ id: string }>>(local, 'providers', 'list')).map((p) => p.id)).not.toContain(
      'prov-cli',
    );
  });

  it('pools drain and undrain: the listing shows the switch', async () => {
    expect((await runCli(local, 'pools', 'drain', 'pool-b')).code).toBe(0);
    const drained = (await runJson<PoolRow[]>(local, 'pools', 'list')).find((pool) => pool.id === 'pool-b');
    expect(drained).toMatchObject({ draining: true, health: 'draining' });
    expect((await runCli(local, 'pools', 'undrain', 'pool-b')).code).toBe(0);
    const back = (await runJson<PoolRow[]>(local, 'pools', 'list')).find((pool) => pool.id === 'pool-b');
    expect(back?.draining).toBe(false);
  });

  it('generate: writes a valid PNG, shows progress on stderr, and jobs get reads the job', async () => {
    const output = join(local.cwd, 'fox.png');
    const run = await runCli(local, 'generate', 'a red fox', '-o', output, '--size', '64x64', '--steps', '4');
    expect(run.stderr).toMatch(/^(queued|running)/m);
    expect(run.stderr).toMatch(/^succeeded on pool-[ab]$/m);
    expect(run.code).toBe(0);
    const png = readFileSync(output);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toEqual([64, 64]);
    const jobId = /from job (job_[\w-]+)/.exec(run.stdout)?.[1];
    expect(jobId).toBeDefined();

    const job = await runJson<{ id: string; status: string; result: unknown }>(
      local,
      'jobs',
      'get',
      String(jobId),
    );
    expect(job).toMatchObject({ id: jobId, status: 'succeeded' });
    const watched = await runCli(local, 'jobs', 'watch', String(jobId));
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/^succeeded/);
    const canceled = await runCli(local, 'jobs', 'cancel', String(jobId));
    expect(canceled.stdout).toMatch(/had already succeeded/);
  });

  it('generate: Ctrl-C cancels the job it submitted and exits 130', async () => {
    // A large, long job: it is still queued or running when the test interrupts it.
    const child = startCli(
      local,
      ['generate', 'a slow one', '-o', join(local.cwd, 'slow.png')].concat([
        '--size',
        '1024x1024',
        '--steps',
        '100',
      ]),
    );
    let progress = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      progress += chunk.toString('utf8');
    });
    const deadline = Date.now() + 60_000;
    while (!/^(queued|running)/m.test(progress) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const ended = finish(child);
    child.kill('SIGINT');
    const run = await ended;
    expect(run.code).toBe(130);
    const jobId = /interrupted: job (job_[\w-]+) canceled/.exec(progress)?.[1];
    expect(jobId).toBeDefined();
    const job = await runJson<{ status: string }>(local, 'jobs', 'get', String(jobId));
    expect(job.status).toBe('canceled');
    expect(existsSync(join(local.cwd, 'slow.png'))).toBe(false);
    // Watching it afterwards says it ended canceled, once (exit 6, a job that did not succeed).
    const watched = await runCli(local, 'jobs', 'watch', String(jobId));
    expect(watched.code).toBe(6);
    expect(linesOf(watched.stderr).at(-1)).toBe(`error: job ${jobId} canceled`);
  });

  it('errors: one line with the fix and the right exit code, never a stack trace', async () => {
    expectOneLineError(
      await runCli(local, 'pools', 'drain', 'no-such-pool'),
      1,
      /^error: not_found: pool not found\n$/,
    );
    expectOneLineError(await runCli(emptyPlace(), 'pools', 'list'), 3, /no edge configured: .*npm start/);
    expectOneLineError(await runCli(local, 'jobs', 'get', 'job_doesnotexist0000000'), 1, /job_not_found/);
    // A size or step count no pool serves is refused at submission, naming what is served, not
    // accepted as a job that fails at its first dispatch.
    const unserved = await runCli(
      local,
      'generate',
      'x',
      '-o',
      join(local.cwd, 'never.png'),
      '--size',
      '65x65',
    );
    expectOneLineError(
      unserved,
      1,
      /^error: unsupported_value: size 65x65 is not served for \S+: one of .*64x64/,
    );
    expectOneLineError(
      await runCli(local, 'generate', 'x', '-o', join(local.cwd, 'never.png'), '--steps', '150'),
      1,
      /^error: unsupported_value: steps must be at most \d+/,
    );
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const address = closed.address();
    closed.close();
    const port = typeof address === 'object' && address ? address.port : 0;
    const unreachable = await runCli(
      local,
      '--edge',
      `http://127.0.0.1:${port}`,
      '--token',
      'x',
      'pools',
      'list',
    );
    expectOneLineError(
      unreachable,
      4,
      new RegExp(`cannot reach the edge at http://127.0.0.1:${port} \\(connection refused\\)`),
    );
  });

  it('pools watch: redraws until Ctrl-C, then exits 0', async () => {
    const child = startCli(local, ['pools', 'watch', '--interval', '1']);
    const frames: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => frames.push(chunk.toString('utf8')));
    const deadline = Date.now() + 60_000;
    while (frames.join('').split('POOL ').length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const ended = finish(child);
    child.kill('SIGINT');
    const run = await ended;
    expect(run.code).toBe(0);
    expect(frames.join('').split('POOL ').length).toBeGreaterThanOrEqual(3);
    expect(frames.join('')).toMatch(/pool-a\s+provider-a/);
  });
});
