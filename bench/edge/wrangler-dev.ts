import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { freePort } from './free-port.ts';

/** A Worker to run under `wrangler dev --local`. */
export interface WranglerDevOptions {
  readonly name: string;
  /** Worker entry point, relative to the repository root. */
  readonly main: string;
  /** Folder for the temporary wrangler.toml, `.dev.vars`, build output and local state. */
  readonly folder: string;
  readonly vars: Readonly<Record<string, string>>;
  /** Written to `.dev.vars` beside the config, as `wrangler dev` reads secrets. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly edgeObjects: boolean;
  /** A path that answers once the Worker is up (any HTTP status counts). */
  readonly readyPath: string;
  readonly log: (line: string) => void;
}

/** A running `wrangler dev`. */
export interface WranglerDev {
  readonly url: string;
  /** wrangler's own process; its workerd processes are its descendants. */
  readonly pid: number;
  stop(): Promise<void>;
}

const edgeObjectsToml = `
[[durable_objects.bindings]]
name = "FLEET"
class_name = "FleetRegistry"

[[durable_objects.bindings]]
name = "TENANTS"
class_name = "TenantDirectory"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["FleetRegistry", "TenantDirectory"]
`;

/**
 * Writes a temporary wrangler.toml (and `.dev.vars`) and starts `wrangler dev --local` on free
 * ports, in its own process group so stopping it also stops the workerd processes it started.
 * Metrics are off (`WRANGLER_SEND_METRICS=false`); its failed look-ups of Cloudflare hosts on an
 * offline machine are harmless.
 */
export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  await mkdir(options.folder, { recursive: true });
  const configPath = join(options.folder, 'wrangler.toml');
  const vars = Object.entries(options.vars).map(([name, value]) => `${name} = ${JSON.stringify(value)}`);
  const toml = [
    `name = ${JSON.stringify(options.name)}`,
    `main = ${JSON.stringify(resolve(options.main))}`,
    'compatibility_date = "2026-08-15"',
    'send_metrics = false',
    options.edgeObjects ? edgeObjectsToml : '',
    '[vars]',
    ...vars,
    '',
  ].join('\n');
  await writeFile(configPath, toml);
  const secrets = Object.entries(options.secrets).map(([name, value]) => `${name}='${value}'\n`);
  await writeFile(join(options.folder, '.dev.vars'), secrets.join(''), { mode: 0o600 });
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      resolve('node_modules/wrangler/bin/wrangler.js'),
      'dev',
      '--config',
      configPath,
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      join(options.folder, 'state'),
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: options.folder,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    },
  );
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopGroup(child);
  try {
    await waitForHttp(`${url}${options.readyPath}`, child, 90_000);
  } catch (error) {
    await stop();
    options.log(`wrangler dev output:\n${output.join('').slice(-3000)}`);
    throw error;
  }
  return { url, pid: child.pid ?? 0, stop };
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}) before it answered`);
    }
    try {
      const response = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
      await response.body.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`wrangler dev did not answer ${url} within ${timeoutMs} ms`);
}

/** SIGTERM to the process group wrangler leads, SIGKILL after a grace period. */
async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // workerd children may outlive wrangler's own exit by a moment.
  signalGroup('SIGKILL');
}
