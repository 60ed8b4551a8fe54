import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gpuStatsSchema } from '../../shared/index.ts';
import { parseNvidiaSmiCsv, parseNvidiaSmiRow } from './nvidia-smi.ts';

const MIB = 1_048_576;
const fixtureUrl = (name: string) => new URL(`fixtures/${name}`, import.meta.url);
const fixture = (name: string) => readFileSync(fixtureUrl(name), 'utf8');

describe('parseNvidiaSmiCsv', () => {
  it('nvidia-smi: parses one GPU with units stripped and MiB turned into bytes', () => {
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-synthetic-one-gpu.csv'))).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        utilization_pct: 37,
        memory_used_bytes: 1234 * MIB,
        memory_total_bytes: 81559 * MIB,
      },
    ]);
  });

  it('nvidia-smi: parses every GPU of a multi-GPU host in index order', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-synthetic-two-gpus.csv'));
    expect(gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA A100-SXM4-40GB',
        utilization_pct: 0,
        memory_used_bytes: 4 * MIB,
        memory_total_bytes: 40960 * MIB,
      },
      {
        index: 1,
        name: 'NVIDIA A100-SXM4-40GB',
        utilization_pct: 100,
        memory_used_bytes: 39012 * MIB,
        memory_total_bytes: 40960 * MIB,
      },
    ]);
  });

  it('nvidia-smi: [N/A] and [Not Supported] become null, other columns still parse', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-synthetic-not-available.csv'));
    expect(gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3 MIG 1g.10gb',
        utilization_pct: null,
        memory_used_bytes: null,
        memory_total_bytes: 81559 * MIB,
      },
      {
        index: 1,
        name: 'Tesla K80',
        utilization_pct: null,
        memory_used_bytes: 512 * MIB,
        memory_total_bytes: null,
      },
    ]);
  });

  it('nvidia-smi: the 3-column query without index and name numbers GPUs by row', () => {
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-synthetic-three-columns.csv'))).toEqual([
      {
        index: 0,
        name: 'GPU',
        utilization_pct: 12,
        memory_used_bytes: 2048 * MIB,
        memory_total_bytes: 24576 * MIB,
      },
    ]);
  });

  it('nvidia-smi: every synthetic fixture parses to stats the telemetry schema accepts', () => {
    for (const name of [
      'nvidia-smi-synthetic-one-gpu.csv',
      'nvidia-smi-synthetic-two-gpus.csv',
      'nvidia-smi-synthetic-not-available.csv',
      'nvidia-smi-synthetic-three-columns.csv',
    ]) {
      const gpus = parseNvidiaSmiCsv(fixture(name));
      expect(gpus, name).not.toBeNull();
      for (const gpu of gpus ?? []) expect(gpuStatsSchema.safeParse(gpu).success, name).toBe(true);
    }
  });

  it('nvidia-smi: Windows line endings and a trailing blank line parse the same', () => {
    const text = fixture('nvidia-smi-synthetic-two-gpus.csv');
    expect(parseNvidiaSmiCsv(`${text.replaceAll('\n', '\r\n')}\r\n`)).toEqual(parseNvidiaSmiCsv(text));
  });

  it('nvidia-smi: columns are found by header name, whatever their order', () => {
    const text =
      'memory.total [MiB], name, memory.used [MiB], index, utilization.gpu [%]\n80 MiB, L4, 20 MiB, 3, 5 %\n';
    expect(parseNvidiaSmiCsv(text)).toEqual([
      { index: 3, name: 'L4', utilization_pct: 5, memory_used_bytes: 20 * MIB, memory_total_bytes: 80 * MIB },
    ]);
  });

  it('nvidia-smi: text that is not nvidia-smi CSV gives null', () => {
    expect(
      parseNvidiaSmiCsv(
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
      ),
    ).toBeNull();
    expect(parseNvidiaSmiCsv('No devices were found\n')).toBeNull();
    expect(parseNvidiaSmiCsv('')).toBeNull();
    expect(parseNvidiaSmiCsv('lorem, ipsum\n1, 2\n')).toBeNull();
  });

  it('nvidia-smi: a header without rows gives null', () => {
    expect(
      parseNvidiaSmiCsv('index, name, utilization.gpu [%], memory.used [MiB], memory.total [MiB]\n'),
    ).toBeNull();
    expect(parseNvidiaSmiCsv('utilization.gpu [%], memory.used [MiB], memory.total [MiB]\n\n')).toBeNull();
  });

  // Captured on a real NVIDIA H200 with the exact commands gpu-node and operators run, idle and
  // while a PyTorch matmul loop kept the GPU busy.
  it('nvidia-smi: parses output captured on an H200, idle and busy, in both query forms', () => {
    const h200 = { index: 0, name: 'NVIDIA H200', memory_total_bytes: 143771 * MIB };
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-h200-idle.csv'))).toEqual([
      { ...h200, utilization_pct: 0, memory_used_bytes: 0 },
    ]);
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-h200-busy.csv'))).toEqual([
      { ...h200, utilization_pct: 100, memory_used_bytes: 1651 * MIB },
    ]);
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-h200-busy-3col.csv'))).toEqual([
      { ...h200, name: 'GPU', utilization_pct: 100, memory_used_bytes: 1651 * MIB },
    ]);
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-h200-idle-3col.csv'))?.[0]?.utilization_pct).toBe(0);
  });
});

describe('parseNvidiaSmiRow', () => {
  it('reads a --format=csv,noheader row in query order, and no other line', () => {
    expect(parseNvidiaSmiRow('1, NVIDIA H100 80GB HBM3, [N/A], 2048 MiB, 81559 MiB')).toEqual({
      index: 1,
      name: 'NVIDIA H100 80GB HBM3',
      utilization_pct: null,
      memory_used_bytes: 2048 * MIB,
      memory_total_bytes: 81559 * MIB,
    });
    expect(
      parseNvidiaSmiRow("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."),
    ).toBeNull();
    expect(parseNvidiaSmiRow('No devices were found')).toBeNull();
    expect(parseNvidiaSmiRow('')).toBeNull();
  });
});
