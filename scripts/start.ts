import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { generationResponseSchema } from '../shared/index.ts';
import { loadOrCreateDevEdgeKey, mintDevDispatchToken } from './security/dev-credentials.ts';

// `npm start`: the local default. Until the edge Worker exists this starts one CPU gpu-node
// pool, proves it works by generating one image, and keeps serving until Ctrl-C.
const options = new Command('start')
  .option('--port <port>', 'gpu-node port', '9001')
  .option('--once', 'exit after the first image instead of serving')
  .parse()
  .opts<{ port: string; once?: boolean }>();

const stateDir = resolve('.spillway');
const poolId = 'local-1';
const edgeKey = await loadOrCreateDevEdgeKey(join(stateDir, 'keys'));
const child = spawn(
  process.execPath,
  [
    'gpu-node/main.ts',
    '--port',
    options.port,
    '--pool-id',
    poolId,
    '--edge-public-key',
    edgeKey.publicKeyPath,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const stop = () => {
  if (child.exitCode === null) child.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
child.once('exit', (code) => process.exit(code ?? 1));

const url = await new Promise<string>((found) => {
  createInterface({ input: child.stdout }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    const match = /"url":"(http:\/\/[^"]+)".*gpu-node listening/.exec(line);
    if (match?.[1]) found(match[1]);
  });
});

const token = await mintDevDispatchToken(edgeKey.privateKey, poolId);
const request = { prompt: 'a lighthouse on a cliff at dusk', seed: 7, size: '256x256' };
const started = performance.now();
const response = await fetch(`${url}/v1/generate`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify(request),
});
const body = generationResponseSchema.parse(await response.json());
const imagePath = join(stateDir, 'first-image.png');
await mkdir(stateDir, { recursive: true });
await writeFile(imagePath, Buffer.from(body.data[0]?.b64_json ?? '', 'base64'));
await writeFile(join(stateDir, 'dispatch-token'), token, { mode: 0o600 });

process.stdout.write(
  [
    '',
    `Spillway gpu-node pool "${poolId}" is serving at ${url} (provider: ${body.spillway?.execution_provider}).`,
    `First image: ${imagePath} (${Math.round(performance.now() - started)} ms).`,
    'Try it (the token is a local dispatch token, valid for 1 hour):',
    `  curl -s ${url}/v1/generate -H "authorization: Bearer $(cat .spillway/dispatch-token)" \\`,
    `    -H 'content-type: application/json' -d '{"prompt":"a red fox","seed":1,"size":"256x256"}'`,
    `  curl -s ${url}/metrics`,
    options.once ? '' : 'Press Ctrl-C to drain and stop.',
    '',
  ].join('\n'),
);
if (options.once) stop();
