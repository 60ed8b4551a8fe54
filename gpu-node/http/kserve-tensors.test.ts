import { describe, expect, it } from 'vitest';
import {
  type InferTensor,
  inferRequestSchema,
  MAX_TIMEOUT_US,
  priorityFrom,
  requireRange,
  TensorError,
  tensorData,
  unknownTensorError,
} from './kserve-tensors.ts';

function tensor(overrides: Partial<InferTensor>): InferTensor {
  return { name: 'seed', shape: [2], datatype: 'INT64', data: [1, 2], ...overrides };
}

describe('tensorData', () => {
  it('kserve tensors: returns the elements of the named input', () => {
    const inputs = [
      tensor({ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['a fox'] }),
      tensor({ name: 'seed', shape: [3], data: [7, 8, 9] }),
    ];
    expect(tensorData(inputs, 'seed', 'INT64')).toEqual([7, 8, 9]);
    expect(tensorData(inputs, 'prompt', 'BYTES')).toEqual(['a fox']);
  });

  it('kserve tensors: an absent input gives undefined', () => {
    expect(tensorData([tensor({})], 'steps', 'INT32')).toBeUndefined();
  });

  it('kserve tensors: flattens row-major nested data of a multi-dimensional shape', () => {
    const inputs = [
      tensor({
        shape: [2, 2],
        data: [
          [1, 2],
          [3, 4],
        ],
      }),
    ];
    expect(tensorData(inputs, 'seed', 'INT64')).toEqual([1, 2, 3, 4]);
    expect(tensorData([tensor({ shape: [2, 2], data: [1, 2, 3, 4] })], 'seed', 'INT64')).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('kserve tensors: data nested otherwise than its shape is a TensorError, however deep', () => {
    const nestings: unknown[][] = [
      [
        [1, 2],
        [3, [4]],
      ],
      [[1, 2], 3, 4],
      [[1, 2, 3], [4]],
      [[[1, 2]], [[3, 4]]],
    ];
    for (const data of nestings) {
      expect(() => tensorData([tensor({ shape: [2, 2], data })], 'seed', 'INT64')).toThrow(
        'input seed data does not match its shape',
      );
    }
    const prompt = (data: unknown[]) => [tensor({ name: 'prompt', datatype: 'BYTES', shape: [1], data })];
    expect(() => tensorData(prompt([[['x']]]), 'prompt', 'BYTES')).toThrow(/does not match its shape/);
    let deep: unknown[] = ['x'];
    for (let level = 0; level < 10_000; level += 1) deep = [deep];
    expect(() => tensorData(prompt(deep), 'prompt', 'BYTES')).toThrow(
      new TensorError('input prompt data does not match its shape'),
    );
  });

  it('kserve tensors: data nested as deep as a shape of thousands of dimensions is read', () => {
    const shape = Array.from({ length: 10_000 }, () => 1);
    let data: unknown[] = [7];
    for (let level = 1; level < shape.length; level += 1) data = [data];
    expect(tensorData([tensor({ shape, data })], 'seed', 'INT64')).toEqual([7]);
  });

  it('kserve tensors: a shape of [] holds one scalar', () => {
    expect(
      tensorData([tensor({ name: 'steps', datatype: 'INT32', shape: [], data: [20] })], 'steps', 'INT32'),
    ).toEqual([20]);
  });

  it('kserve tensors: the wrong datatype is a TensorError naming the input and datatype', () => {
    const inputs = [tensor({ datatype: 'FP32' })];
    expect(() => tensorData(inputs, 'seed', 'INT64')).toThrow(TensorError);
    expect(() => tensorData(inputs, 'seed', 'INT64')).toThrow('input seed must have datatype INT64');
  });

  it('kserve tensors: elements outside the datatype are a TensorError naming the datatype', () => {
    for (const data of [
      [1, 'two'],
      [1.5, 2],
      [null, 2],
      [2 ** 64, 2],
    ]) {
      expect(() => tensorData([tensor({ data })], 'seed', 'INT64')).toThrow(
        /holds values that are not INT64/,
      );
    }
    for (const value of [2 ** 31, -(2 ** 31) - 1, 0.5]) {
      const steps = tensor({ name: 'steps', datatype: 'INT32', shape: [1], data: [value] });
      expect(() => tensorData([steps], 'steps', 'INT32')).toThrow(
        'input steps holds values that are not INT32',
      );
    }
  });

  it('kserve tensors: any value of the datatype is read, whatever the model takes', () => {
    for (const value of [0, -1, 2 ** 31 - 1, -(2 ** 31)]) {
      const steps = tensor({ name: 'steps', datatype: 'INT32', shape: [1], data: [value] });
      expect(tensorData([steps], 'steps', 'INT32')).toEqual([value]);
    }
    expect(tensorData([tensor({ data: [-1, 2 ** 60] })], 'seed', 'INT64')).toEqual([-1, 2 ** 60]);
    expect(
      tensorData([tensor({ name: 'prompt', datatype: 'BYTES', shape: [1], data: [''] })], 'prompt', 'BYTES'),
    ).toEqual(['']);
  });

  it('kserve tensors: data whose element count does not match the shape is a TensorError', () => {
    expect(() => tensorData([tensor({ shape: [3], data: [1, 2] })], 'seed', 'INT64')).toThrow(
      /does not match its shape/,
    );
    expect(() => tensorData([tensor({ shape: [1, 1], data: [1, 2] })], 'seed', 'INT64')).toThrow(TensorError);
    expect(() => tensorData([tensor({ shape: [0], data: [1] })], 'seed', 'INT64')).toThrow(TensorError);
  });
});

describe('requireRange', () => {
  it('kserve ranges: values outside the range are a TensorError naming the input and the range', () => {
    expect(() => requireRange('steps', [1, 100], 1, 100)).not.toThrow();
    for (const value of [0, -1, 101, 2 ** 31 - 1]) {
      expect(() => requireRange('steps', [value], 1, 100)).toThrow(
        new TensorError('steps must be between 1 and 100'),
      );
    }
  });
});

describe('unknownTensorError', () => {
  const prompt = tensor({ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['a fox'] });

  it("kserve names: the model's inputs and outputs pass", () => {
    expect(
      unknownTensorError('m', { inputs: [prompt], outputs: [{ name: 'image' }, { name: 'png_base64' }] }),
    ).toBeNull();
    expect(unknownTensorError('m', { inputs: [prompt, tensor({})] })).toBeNull();
  });

  it('kserve names: an unknown input or output is named, with what the model has', () => {
    expect(unknownTensorError('m', { inputs: [prompt, tensor({ name: 'stepz' })] })?.message).toBe(
      'unexpected input stepz: m takes prompt, seed, steps',
    );
    expect(
      unknownTensorError('m', { inputs: [prompt], outputs: [{ name: 'image' }, { name: 'nope' }] })?.message,
    ).toBe('unknown output nope: m produces image, png_base64, image_seed');
  });
});

describe('priorityFrom', () => {
  it('kserve priority: named classes pass through', () => {
    expect(priorityFrom('low')).toBe('low');
    expect(priorityFrom('normal')).toBe('normal');
    expect(priorityFrom('high')).toBe('high');
  });

  it('kserve priority: Triton numbers map 1 to high, 2 to normal, larger to low, 0 and none to normal', () => {
    expect(priorityFrom(1)).toBe('high');
    expect(priorityFrom(2)).toBe('normal');
    expect(priorityFrom(3)).toBe('low');
    expect(priorityFrom(1000)).toBe('low');
    expect(priorityFrom(0)).toBe('normal');
    expect(priorityFrom(undefined)).toBe('normal');
  });
});

describe('inferRequestSchema', () => {
  const minimal = { inputs: [{ name: 'prompt', shape: [1], datatype: 'BYTES', data: ['a red barn'] }] };

  it('kserve request: accepts a minimal request and a full one with passthrough parameters', () => {
    expect(inferRequestSchema.safeParse(minimal).success).toBe(true);
    const full = inferRequestSchema.parse({
      id: 'req-1',
      parameters: { size: '64x64', priority: 1, timeout: 5_000_000, binary_data_output: false },
      inputs: [
        ...minimal.inputs,
        { name: 'seed', shape: [1], datatype: 'INT64', data: [42], parameters: {} },
      ],
      outputs: [{ name: 'png_base64' }],
    });
    expect(full.parameters?.priority).toBe(1);
    expect(full.parameters?.binary_data_output).toBe(false);
    expect(full.inputs).toHaveLength(2);
  });

  it('kserve request: refuses a request without inputs', () => {
    expect(inferRequestSchema.safeParse({ inputs: [] }).success).toBe(false);
    expect(inferRequestSchema.safeParse({}).success).toBe(false);
  });

  it('kserve request: refuses malformed tensors', () => {
    const withInput = (input: Record<string, unknown>) =>
      inferRequestSchema.safeParse({ inputs: [input] }).success;
    expect(withInput({ name: '', shape: [1], datatype: 'BYTES', data: ['x'] })).toBe(false);
    expect(withInput({ name: 'prompt', shape: [-1], datatype: 'BYTES', data: ['x'] })).toBe(false);
    expect(withInput({ name: 'prompt', shape: [1.5], datatype: 'BYTES', data: ['x'] })).toBe(false);
    expect(withInput({ name: 'prompt', shape: [1], datatype: 'BYTES', data: 'x' })).toBe(false);
    expect(withInput({ name: 'prompt', shape: [1], datatype: 'BYTES' })).toBe(false);
  });

  it('kserve request: refuses bad parameters', () => {
    const withParameters = (parameters: Record<string, unknown>) =>
      inferRequestSchema.safeParse({ ...minimal, parameters }).success;
    expect(withParameters({ priority: 'urgent' })).toBe(false);
    expect(withParameters({ priority: -1 })).toBe(false);
    expect(withParameters({ priority: 1.5 })).toBe(false);
    expect(withParameters({ timeout: 0 })).toBe(false);
    expect(withParameters({ size: 64 })).toBe(false);
    expect(withParameters({ size: 'big' })).toBe(false);
    expect(withParameters({ timeout: MAX_TIMEOUT_US + 1 })).toBe(false);
    expect(withParameters({ priority: 'high', timeout: 1 })).toBe(true);
    expect(withParameters({ size: '64x64', timeout: MAX_TIMEOUT_US })).toBe(true);
  });

  it('kserve request: a bad timeout says what a timeout must be', () => {
    const parsed = inferRequestSchema.safeParse({ ...minimal, parameters: { timeout: 0.5 } });
    expect(parsed.error?.issues[0]?.path).toEqual(['parameters', 'timeout']);
    expect(parsed.error?.issues[0]?.message).toBe(
      `must be a whole number of microseconds between 1 and ${MAX_TIMEOUT_US}`,
    );
  });

  it('kserve request: refuses an id longer than 256 characters', () => {
    expect(inferRequestSchema.safeParse({ ...minimal, id: 'x'.repeat(256) }).success).toBe(true);
    expect(inferRequestSchema.safeParse({ ...minimal, id: 'x'.repeat(257) }).success).toBe(false);
  });
});
