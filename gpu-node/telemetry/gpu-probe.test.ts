import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GpuProbe, type ProcessStarter, STALE_AFTER_INTERVALS } from './gpu-probe.ts';
import { parseNvidiaSmiCsv } from './nvidia-smi.ts';

const MIB = 1_048_576;
let folder: string;
const probes: GpuProbe[] = [];

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'gpu-probe-'));
  return () => rmSync(folder, { recursive: true, force: true });
});

afterEach(() => {
  for (const probe of probes.splice(0)) probe.stop();
});

/** An executable stand-in for nvidia-smi, as `--query-gpu=… --format=csv,noheader -l SEC` prints. */
function fakeNvidiaSmi(name: string, body: string): string {
  const path = join(folder, name);
  writeFileSync(path, `#!/usr/bin/env node\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

// Both GPUs' rows at once, then again every -l seconds, utilisation one higher each time.
const LOOPING = `
const seconds = Number(process.argv[process.argv.indexOf('-l') + 1]);
let reading = 1;
const print = () => {
  process.stdout.write(\`0, NVIDIA H100 80GB HBM3, \${reading} %, 1024 MiB, 81559 MiB\\n\`);
  process.stdout.write(\`1, NVIDIA H100 80GB HBM3, [N/A], 2048 MiB, 81559 MiB\\n\`);
  reading += 1;
};
print();
setInterval(print, seconds * 1000);`;

// What nvidia-smi prints on a host whose driver is not loaded, and its exit.
const FAILING = `
process.stdout.write("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\\n");
process.exit(9);`;

// One reading, then silence.
const SILENT_AFTER_ONE = `
process.stdout.write('0, NVIDIA L4, 50 %, 100 MiB, 23034 MiB\\n');
setInterval(() => {}, 60_000);`;

function countingStarter(): { start: ProcessStarter; children: ChildProcess[]; args: string[][] } {
  const children: ChildProcess[] = [];
  const args: string[][] = [];
  const start: ProcessStarter = (command, commandArgs) => {
    args.push([...commandArgs]);
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    return child;
  };
  return { start, children, args };
}

function probe(options: ConstructorParameters<typeof GpuProbe>[0]): GpuProbe {
  const created = new GpuProbe(options);
  probes.push(created);
  return created;
}

describe('GpuProbe', () => {
  it('reads every GPU from one looping nvidia-smi and starts no second process while it runs', async () => {
    const starter = countingStarter();
    const gpus = probe({ command: fakeNvidiaSmi('looping', LOOPING), startProcess: starter.start });
    gpus.start(1_000);
    await vi.waitFor(() => expect(gpus.latest).toHaveLength(2), { timeout: 5_000 });
    expect(gpus.latest).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        utilization_pct: 1,
        memory_used_bytes: 1024 * MIB,
        memory_total_bytes: 81559 * MIB,
      },
      {
        index: 1,
        name: 'NVIDIA H100 80GB HBM3',
        utilization_pct: null,
        memory_used_bytes: 2048 * MIB,
        memory_total_bytes: 81559 * MIB,
      },
    ]);
    await vi.waitFor(() => expect(gpus.latest?.[0]?.utilization_pct).toBeGreaterThanOrEqual(3), {
      timeout: 8_000,
      interval: 50,
    });
    expect(starter.children).toHaveLength(1);
    expect(starter.args[0]).toEqual([
      '--query-gpu=index,name,utilization.gpu,memory.used,memory.total',
      '--format=csv,noheader',
      '-l',
      '1',
    ]);
  });

  it('reads the rows a real H200 printed, as the query with a header parses them', async () => {
    const captured = readFileSync(new URL('fixtures/nvidia-smi-h200-busy.csv', import.meta.url), 'utf8');
    const rows = captured.trim().split('\n').slice(1);
    const gpus = probe({
      command: fakeNvidiaSmi(
        'h200',
        `process.stdout.write(${JSON.stringify(`${rows.join('\n')}\n`)});
setInterval(() => {}, 60_000);`,
      ),
    });
    gpus.start(1_000);
    await vi.waitFor(() => expect(gpus.latest).not.toBeNull(), { timeout: 5_000 });
    expect(gpus.latest).toEqual(parseNvidiaSmiCsv(captured));
    expect(gpus.latest?.[0]?.utilization_pct).toBe(100);
  });

  it('looks for a missing nvidia-smi on PATH without starting anything', () => {
    const starter = countingStarter();
    for (const command of ['spillway-no-such-nvidia-smi', join(folder, 'absent', 'nvidia-smi')]) {
      const gpus = probe({ command, startProcess: starter.start });
      gpus.start(1_000);
      expect(gpus.latest).toBeNull();
    }
    expect(starter.children).toHaveLength(0);
  });

  it('reports nothing from a failing nvidia-smi and starts it again only after the pause', async () => {
    const starter = countingStarter();
    const gpus = probe({
      command: fakeNvidiaSmi('failing', FAILING),
      startProcess: starter.start,
      retryMs: 300,
    });
    const startedAt = Date.now();
    gpus.start(1_000);
    await vi.waitFor(() => expect(starter.children).toHaveLength(2), { timeout: 5_000, interval: 20 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(gpus.latest).toBeNull();
  });

  it('waits twice as long each time nvidia-smi fails again', async () => {
    const starter = countingStarter();
    const startedAt: number[] = [];
    const exitedAt: number[] = [];
    const watched: ProcessStarter = (command, args) => {
      startedAt.push(performance.now());
      const child = starter.start(command, args);
      child.once('exit', () => exitedAt.push(performance.now()));
      return child;
    };
    const gpus = probe({
      command: fakeNvidiaSmi('failing-again', FAILING),
      startProcess: watched,
      retryMs: 100,
    });
    gpus.start(1_000);
    await vi.waitFor(() => expect(startedAt).toHaveLength(3), { timeout: 10_000, interval: 20 });
    // The pause runs from the failed child's end (its close, at or after its exit); Node's timers
    // may fire a millisecond early by performance.now(), hence the small tolerance.
    expect((startedAt[1] ?? 0) - (exitedAt[0] ?? 0)).toBeGreaterThanOrEqual(95);
    expect((startedAt[2] ?? 0) - (exitedAt[1] ?? 0)).toBeGreaterThanOrEqual(195);
    expect(gpus.latest).toBeNull();
  });

  it('backs off to 32 times its pause at most, and a row resets it', async () => {
    vi.useFakeTimers();
    try {
      const startedAt: number[] = [];
      const endedAt: number[] = [];
      let printsRow = false;
      const fakeStart: ProcessStarter = () => {
        startedAt.push(Date.now());
        const child = new EventEmitter() as ChildProcess;
        const stdout = new PassThrough();
        Object.assign(child, { stdout, kill: () => true });
        if (printsRow) stdout.write('0, NVIDIA L4, 50 %, 100 MiB, 23034 MiB\n');
        // It ends at once, after its row if it printed one.
        setTimeout(
          () => {
            endedAt.push(Date.now());
            child.emit('close', 9);
          },
          printsRow ? 10 : 0,
        );
        return child;
      };
      const gpus = probe({
        command: fakeNvidiaSmi('fake-timers', FAILING),
        startProcess: fakeStart,
        retryMs: 1_000,
      });
      gpus.start(1_000);
      await vi.advanceTimersByTimeAsync(200_000);
      // Each pause runs from the end of the start before it.
      const pauses = () => startedAt.slice(1).map((at, index) => at - (endedAt[index] ?? 0));
      expect(pauses().slice(0, 8)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 32_000, 32_000]);
      printsRow = true;
      const before = startedAt.length;
      while (startedAt.length === before) await vi.advanceTimersByTimeAsync(1_000);
      // The start that printed a row is followed after the plain pause, not another 32.
      await vi.advanceTimersByTimeAsync(10 + 1_000);
      expect(startedAt.length).toBe(before + 2);
      expect(pauses().at(-1)).toBe(1_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('drops figures that stop coming after a few intervals', async () => {
    let now = 1_000_000;
    const gpus = probe({ command: fakeNvidiaSmi('silent', SILENT_AFTER_ONE), now: () => now });
    gpus.start(2_000);
    await vi.waitFor(() => expect(gpus.latest?.[0]?.utilization_pct).toBe(50), { timeout: 5_000 });
    now += STALE_AFTER_INTERVALS * 2_000;
    expect(gpus.latest).toHaveLength(1);
    now += 1;
    expect(gpus.latest).toBeNull();
  });

  it('ends its nvidia-smi when stopped', async () => {
    const starter = countingStarter();
    const gpus = probe({ command: fakeNvidiaSmi('stopped', LOOPING), startProcess: starter.start });
    gpus.start(1_000);
    await vi.waitFor(() => expect(gpus.latest).not.toBeNull(), { timeout: 5_000 });
    const child = starter.children[0];
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    gpus.stop();
    await exited;
    expect(child?.exitCode ?? child?.signalCode).not.toBeNull();
  });
});
