import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const repositoryRoot = new URL('../../', import.meta.url);

/** The installer's own switches, cleared so the test sees what a plain `npm install` does. */
const installerSwitches = [
  'ONNXRUNTIME_NODE_INSTALL',
  'ONNXRUNTIME_NODE_INSTALL_CUDA',
  'npm_config_onnxruntime_node_install',
  'npm_config_onnxruntime_node_install_cuda',
];

/**
 * The environment of a plain install, offline-safe: should the installer run after all, global-agent
 * (which it bootstraps) sends its NuGet download to a closed local port and it fails at once
 * instead of fetching CUDA libraries.
 */
function plainEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9',
    GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9',
    ...extra,
  };
  for (const name of installerSwitches) if (!(name in extra)) delete environment[name];
  return environment;
}

/** Runs a command in the repository root; stdout and stderr interleaved. */
async function run(
  command: string,
  args: readonly string[],
  environment: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, {
    cwd: repositoryRoot,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

const installScript = /onnxruntime-node@[\d.]+ postinstall|node \.\/script\/install/;

describe('onnxruntime-node install', () => {
  it('npm install: allowScripts denies onnxruntime-node’s CUDA download script, with no unknown config warning', async () => {
    const rebuild = await run(
      'npm',
      ['rebuild', 'onnxruntime-node', '--foreground-scripts'],
      plainEnvironment(),
    );
    expect(rebuild.output).not.toMatch(installScript);
    expect(rebuild.code).toBe(0);
    const config = await run('npm', ['config', 'list'], plainEnvironment());
    expect(config.output).not.toMatch(/Unknown (?:project|user|global|env|builtin|cli) config/);
    expect(config.code).toBe(0);
  });

  it('npm install: the check above would see the script run (policy bypassed, installer told to skip)', async () => {
    const rebuild = await run(
      'npm',
      ['rebuild', 'onnxruntime-node', '--foreground-scripts', '--dangerously-allow-all-scripts'],
      plainEnvironment({ ONNXRUNTIME_NODE_INSTALL: 'skip' }),
    );
    expect(rebuild.output).toMatch(installScript);
    expect(rebuild.code).toBe(0);
  });

  it('CPU: the ONNX Runtime binary bundled in the npm package loads and offers the cpu backend', async () => {
    // A child process: the native binding stays out of the test runner's worker.
    const listed = await run(
      process.execPath,
      ['--eval', "process.stdout.write(JSON.stringify(require('onnxruntime-node').listSupportedBackends()))"],
      plainEnvironment(),
    );
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.output)).toContainEqual(expect.objectContaining({ name: 'cpu' }));
  });

  it('setup:gpu: runs the package’s own installer, which takes cuda12 on Linux x64 and the variable’s value', async () => {
    const { scripts } = JSON.parse(readFileSync(new URL('package.json', repositoryRoot), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts['setup:gpu']).toContain('node_modules/onnxruntime-node/script/install.js');
    const metadata = createRequire(import.meta.url)('onnxruntime-node/script/install-metadata.js') as {
      requirements: Record<string, string[]>;
    };
    expect(metadata.requirements['linux/x64']).toContain('cuda12');
    // The variable overrides the default: `skip` exits at once, without the network.
    const skipped = await run(
      'npm',
      ['run', '-s', 'setup:gpu'],
      plainEnvironment({ ONNXRUNTIME_NODE_INSTALL: 'skip' }),
    );
    expect(skipped).toEqual({ code: 0, output: '' });
  });
});
