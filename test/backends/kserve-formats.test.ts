import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tritonFigures } from '../../backends/kserve/kserve-probe.ts';
import { encodePng } from '../../backends/kserve/png-encoder.ts';
import { parsePrometheusText } from '../../backends/kserve/prometheus-text.ts';

const metrics = [
  '# HELP nv_inference_pending_request_count Instantaneous number of pending requests.',
  '# TYPE nv_inference_pending_request_count gauge',
  'nv_inference_pending_request_count{model="sd",version="1"} 2',
  'nv_inference_pending_request_count{model="sd",version="2"} 3 1700000000000',
  'nv_inference_pending_request_count{model="sd-large",version="1"} 40',
  'nv_inference_queue_duration_us{model="sd",version="1"} 1500',
  'nv_inference_exec_count{version="1",model="sd"} 7',
  'nv_gpu_utilization{gpu_uuid="GPU-a"} 0.2',
  'nv_gpu_utilization{gpu_uuid="GPU-b"} 0.6',
  'not a sample line',
  'odd_labels{model="a \\"quoted\\", name"} 1',
].join('\n');

describe('kserve formats', () => {
  it('kserve: parses Prometheus text with timestamps, label order and escapes, skipping junk', () => {
    const samples = parsePrometheusText(metrics);
    expect(samples).toHaveLength(8);
    expect(samples.at(-1)).toEqual({ name: 'odd_labels', labels: { model: 'a "quoted", name' }, value: 1 });
    expect(samples[1]).toEqual({
      name: 'nv_inference_pending_request_count',
      labels: { model: 'sd', version: '2' },
      value: 3,
    });
  });

  it('kserve: figures sum over versions, keep to the model, and average the GPUs', () => {
    const samples = parsePrometheusText(metrics);
    expect(tritonFigures(samples, 'sd', undefined)).toEqual({
      queued: 5,
      completedTotal: 7,
      queueMsTotal: 1.5,
      utilization: expect.closeTo(0.4, 9),
    });
    expect(tritonFigures(samples, 'sd', '2')).toEqual({ queued: 3, utilization: expect.closeTo(0.4, 9) });
    // Unknown, not zero, when no sample names the model.
    expect(tritonFigures(samples, 'absent', undefined)).toEqual({ utilization: expect.closeTo(0.4, 9) });
  });

  it('kserve: encodes grey, RGB and RGBA pixels to PNGs pngjs reads back unchanged', async () => {
    for (const channels of [1, 3, 4]) {
      const [width, height] = [5, 3];
      const pixels = Uint8Array.from({ length: width * height * channels }, (_, index) => (index * 37) % 256);
      const png = PNG.sync.read(Buffer.from(await encodePng(pixels, width, height, channels)));
      const rgba = [...png.data];
      const back = Array.from({ length: width * height }, (_, pixel) => {
        const [r, g, b, a] = rgba.slice(pixel * 4, pixel * 4 + 4);
        return channels === 1 ? [r] : channels === 3 ? [r, g, b] : [r, g, b, a];
      }).flat();
      expect([channels, png.width, png.height, back]).toEqual([channels, width, height, [...pixels]]);
    }
    await expect(encodePng(new Uint8Array(4), 1, 1, 2)).rejects.toThrow(RangeError);
  });
});
