import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Docker cannot build here (no daemon, no GPU), so the image's invariants are checked on the
// Dockerfile's text, and its runtime dependencies against package.json and the lockfile.

const root = join(import.meta.dirname, '../..');
const read = (path: string) => readFile(join(root, path), 'utf8');

/** Instructions of a Dockerfile: continuation lines joined, comments dropped. */
function instructions(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('deploy/gpu-node.Dockerfile', () => {
  it('image: an NVIDIA TensorRT base pinned by tag, Node pinned to the project’s version', async () => {
    const lines = instructions(await read('deploy/gpu-node.Dockerfile'));
    const args = new Map(
      lines
        .filter((line) => line.startsWith('ARG '))
        .map((line) => line.slice(4).split('=') as [string, string]),
    );
    expect(args.get('BASE_IMAGE')).toMatch(/^nvcr\.io\/nvidia\/tensorrt:\d{2}\.\d{2}-py3$/);
    const projectNode = (
      JSON.parse(await read('package.json')) as { devDependencies: Record<string, string> }
    ).devDependencies.node;
    expect(args.get('NODE_IMAGE')).toBe(`node:${projectNode}-bookworm-slim`);
    for (const from of lines.filter((line) => line.startsWith('FROM '))) {
      expect(from).toMatch(/^FROM \$\{(BASE_IMAGE|NODE_IMAGE)\}/);
    }
  });

  it('image: installs production dependencies and the CUDA/TensorRT providers, runs unprivileged', async () => {
    const lines = instructions(await read('deploy/gpu-node.Dockerfile'));
    const run = lines.filter((line) => line.startsWith('RUN ')).join('\n');
    expect(run).toContain('npm ci --omit=dev');
    expect(run).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 npm run setup:gpu/);
    expect(run).toContain('libonnxruntime_providers_tensorrt.so');
    const users = lines.filter((line) => line.startsWith('USER '));
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER (root|0)(:|$)/);
    // Nothing after USER switches back or runs as root.
    expect(lines.slice(lines.indexOf(users[0] ?? '')).some((line) => line.startsWith('RUN '))).toBe(false);
  });

  it('image: health check on /v2/health/ready at the exposed port, entrypoint is gpu-node', async () => {
    const lines = instructions(await read('deploy/gpu-node.Dockerfile'));
    const healthcheck = lines.find((line) => line.startsWith('HEALTHCHECK '));
    expect(healthcheck).toContain('/v2/health/ready');
    expect(healthcheck).toContain('process.env.SPILLWAY_PORT');
    const port = /SPILLWAY_PORT=(\d+)/.exec(lines.join('\n'))?.[1];
    expect(lines).toContain(`EXPOSE ${port}`);
    expect(lines).toContain('ENTRYPOINT ["node", "gpu-node/main.ts"]');
  });

  it('image: its build context holds only what gpu-node runs, never local secrets', async () => {
    const ignore = (await read('deploy/gpu-node.Dockerfile.dockerignore')).split('\n');
    expect(ignore).toContain('*');
    const included = ignore.filter((line) => line.startsWith('!')).sort();
    expect(included).toEqual(['!gpu-node/', '!package-lock.json', '!package.json', '!shared/']);
    const copied = instructions(await read('deploy/gpu-node.Dockerfile'))
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(copied.sort()).toEqual(['gpu-node', 'package-lock.json', 'package.json', 'shared']);
  });

  it('image: every package gpu-node imports is a production dependency (npm ci --omit=dev has it)', async () => {
    const manifest = JSON.parse(await read('package.json')) as { dependencies: Record<string, string> };
    const lock = JSON.parse(await read('package-lock.json')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(join(root, 'gpu-node'), { recursive: true }))
      .map((file) => join('gpu-node', file))
      .concat((await readdir(join(root, 'shared'), { recursive: true })).map((file) => join('shared', file)))
      .filter((file) => file.endsWith('.ts') && !/(\.test\.ts|\/testing\/)/.test(file));
    const packages = new Set<string>();
    for (const file of files) {
      for (const match of (await read(file)).matchAll(/^(?:import|export)[^'"]*from '([^'.][^']*)'/gm)) {
        const specifier = match[1] ?? '';
        if (specifier.startsWith('node:')) continue;
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      }
    }
    expect(packages.size).toBeGreaterThan(5);
    for (const name of packages) {
      expect(manifest.dependencies, name).toHaveProperty(name);
      expect(lock.packages[`node_modules/${name}`]?.dev, name).toBeUndefined();
    }
  });
});

describe('deploy/gpu-node.service', () => {
  it('unit: hardened, restarts on failure but not on a bad configuration, drains before being killed', async () => {
    const unit = await read('deploy/gpu-node.service');
    const settings = new Set(unit.split('\n').filter((line) => /^[A-Z]\w+=/.test(line)));
    for (const setting of [
      'DynamicUser=yes',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
      'Restart=on-failure',
      'RestartPreventExitStatus=2',
      'EnvironmentFile=/etc/spillway/gpu-node.env',
      'KillSignal=SIGTERM',
    ]) {
      expect(settings, setting).toContain(setting);
    }
    // Devices must stay visible (the GPU) and V8 must keep its JIT.
    expect(unit).not.toMatch(/^PrivateDevices=yes/m);
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
    const stop = Number(/^TimeoutStopSec=(\d+)/m.exec(unit)?.[1]);
    const drainMs = Number(
      /^SPILLWAY_DRAIN_TIMEOUT_MS=(\d+)/m.exec(await read('deploy/gpu-node.env.example'))?.[1],
    );
    expect(stop * 1000).toBeGreaterThan(drainMs);
  });
});
