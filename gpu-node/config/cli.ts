import { Command, Option } from 'commander';
import { gpuNodeDefaults } from './gpu-node-config.ts';

const options: ReadonlyArray<[flags: string, description: string]> = [
  ['--port <port>', `HTTP port (default ${gpuNodeDefaults.port})`],
  ['--host <host>', `address to listen on (default ${gpuNodeDefaults.host})`],
  ['--pool-id <id>', `this pool's id (default ${gpuNodeDefaults.poolId})`],
  ['--providers <list>', `execution providers to try in order (default ${gpuNodeDefaults.providers})`],
  ['--device-id <n>', 'GPU device id for tensorrt/cuda (default 0)'],
  ['--workers <n>', 'inference worker threads (default: 1 on GPU, one per core on CPU)'],
  ['--intra-op-threads <n>', 'ONNX Runtime threads per worker (default: cores / workers)'],
  ['--cpu-cores <n>', "cores this pool may use, where pools share a host (default: all the host's)"],
  ['--max-batch-size <n>', `images per batch and worker (default ${gpuNodeDefaults.maxBatchSize})`],
  ['--max-queue-size <n>', `images that may wait for a slot (default ${gpuNodeDefaults.maxQueueSize})`],
  ['--model-manifest <file>', 'JSON manifest of a custom model (default: the built-in spillway-tiny)'],
  [
    '--pipeline <dir>',
    'serve a Stable Diffusion ONNX export (diffusers/Optimum layout) as DIR or NAME=DIR instead of the built-in model; repeat for more models',
  ],
  ['--pipeline-sizes <list>', 'sizes the pipeline serves, comma-separated (default 512x512)'],
  ['--model-dir <dir>', `where the built-in model is written (default ${gpuNodeDefaults.modelDir})`],
  ['--edge-public-key <file>', "edge's public key (PEM, JWK or JWKS) that signs dispatch tokens"],
  ['--edge-jwks-url <url>', "edge's JWKS URL, instead of --edge-public-key"],
  ['--edge-issuer <iss>', `required token issuer (default ${gpuNodeDefaults.edgeIssuer})`],
  ['--audience <aud>', 'required token audience (default: the pool id)'],
  ['--jwt-algorithms <list>', `accepted signature algorithms (default ${gpuNodeDefaults.jwtAlgorithms})`],
  ['--insecure-no-auth', 'accept /v1 calls without a token (local testing only)'],
  ['--protect-ops', 'require a token on /v2 health, model and /metrics endpoints too'],
  ['--edge-url <url>', 'edge base URL to push signed heartbeats to'],
  ['--pool-key <file>', "pool's private key (PEM or JWK, Ed25519 or P-256) for heartbeats"],
  ['--pool-key-id <kid>', 'key id to put in heartbeat tokens'],
  ['--heartbeat-interval-ms <ms>', `heartbeat period (default ${gpuNodeDefaults.heartbeatIntervalMs})`],
  [
    '--result-ttl-ms <ms>',
    `how long results are kept for idempotent retries (default ${gpuNodeDefaults.resultTtlMs})`,
  ],
  ['--max-kept-jobs <n>', `most finished jobs kept (default ${gpuNodeDefaults.maxKeptJobs})`],
  ['--max-body-bytes <n>', `largest accepted request body (default ${gpuNodeDefaults.maxBodyBytes})`],
  [
    '--drain-timeout-ms <ms>',
    `longest wait for work to finish after SIGTERM (default ${gpuNodeDefaults.drainTimeoutMs})`,
  ],
  ['--png-compression-level <0-9>', `zlib level for PNGs (default ${gpuNodeDefaults.pngCompressionLevel})`],
  [
    '--compute-nice <0-19>',
    `nice value of inference threads, so HTTP stays responsive (default ${gpuNodeDefaults.computeNice})`,
  ],
  ['--log-level <level>', `fatal|error|warn|info|debug|trace|silent (default ${gpuNodeDefaults.logLevel})`],
];

/**
 * Reads gpu-node flags; each flag falls back to `SPILLWAY_<FLAG>` in the environment
 * (e.g. `--pool-id` ← `SPILLWAY_POOL_ID`). Values are validated by the zod config, not here.
 */
export function readGpuNodeFlags(argv: readonly string[]): Record<string, unknown> {
  const program = new Command('gpu-node')
    .description('Spillway gpu-node: the inference server each GPU pool runs.')
    .allowExcessArguments(false)
    // A flag commander refuses (unknown, missing its value) is a usage error like a value the
    // config refuses: exit 2, as the README promises; --help and --version exit 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  const switchesFromEnvironment: Record<string, string> = {};
  for (const [flags, description] of options) {
    const name = flags.split(' ')[0]?.replace(/^--/, '') ?? '';
    const variable = `SPILLWAY_${name.toUpperCase().replaceAll('-', '_')}`;
    // A switch is read from its variable by hand (below), so --help names the variable itself,
    // as commander does for the others.
    const isSwitch = !flags.includes('<');
    const option = new Option(flags, isSwitch ? `${description} (env: ${variable})` : description);
    // Repeatable: each occurrence adds one (`--pipeline a --pipeline b`).
    if (name === 'pipeline')
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    // commander turns a switch on whenever its variable exists, even as "false"; pass the raw
    // string instead and let the zod config decide.
    if (option.isBoolean()) {
      const raw = process.env[variable];
      if (raw !== undefined) switchesFromEnvironment[option.attributeName()] = raw;
      program.addOption(option);
    } else {
      program.addOption(option.env(variable));
    }
  }
  program.parse([...argv], { from: 'user' });
  return { ...switchesFromEnvironment, ...program.opts() };
}
