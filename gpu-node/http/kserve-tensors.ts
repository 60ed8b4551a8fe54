import { z } from 'zod';
import { imageSizeSchema } from '../../shared/index.ts';

/** The longest `parameters.timeout` (microseconds): the one-hour deadline a generation may have. */
export const MAX_TIMEOUT_US = 3_600_000_000;

const timeoutMessage = `must be a whole number of microseconds between 1 and ${MAX_TIMEOUT_US}`;

/** A KServe v2 JSON tensor. */
export const inferTensorSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)),
  datatype: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: z.array(z.unknown()),
});

/** A KServe v2 inference request (JSON). */
export const inferRequestSchema = z.object({
  id: z.string().max(256).optional(),
  parameters: z
    .object({
      size: imageSizeSchema.optional(),
      priority: z
        .union([z.enum(['low', 'normal', 'high']), z.number().int().min(0)], {
          error: 'must be low, normal, high or a whole number of at least 0 (Triton: 1 is highest)',
        })
        .optional(),
      timeout: z
        .number({ error: timeoutMessage })
        .int(timeoutMessage)
        .min(1, timeoutMessage)
        .max(MAX_TIMEOUT_US, timeoutMessage)
        .optional()
        .describe('microseconds, as in KServe/Triton'),
    })
    .passthrough()
    .optional(),
  inputs: z.array(inferTensorSchema).min(1),
  outputs: z.array(z.object({ name: z.string() })).optional(),
});

/** A parsed inference request. */
export type InferRequest = z.infer<typeof inferRequestSchema>;
/** A parsed tensor. */
export type InferTensor = z.infer<typeof inferTensorSchema>;

/** The tensors the generation model exposes over KServe v2. */
export const kserveModelSignature = {
  inputs: [
    { name: 'prompt', datatype: 'BYTES', shape: [-1] },
    { name: 'seed', datatype: 'INT64', shape: [-1] },
    { name: 'steps', datatype: 'INT32', shape: [1] },
  ],
  outputs: [
    { name: 'image', datatype: 'UINT8', shape: [-1, -1, -1, 3] },
    { name: 'png_base64', datatype: 'BYTES', shape: [-1] },
    { name: 'image_seed', datatype: 'INT64', shape: [-1] },
  ],
} as const;

/**
 * What an element of each datatype gpu-node reads must be: the datatype's own domain only, so
 * that a value of the right type but outside what the model takes gets a range error instead.
 * INT64 values beyond 2^53 arrive rounded by JSON parsing but are still INT64.
 */
const elementSchemas = {
  BYTES: z.string(),
  INT32: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1),
  INT64: z.number().refine((value) => Number.isInteger(value) && Math.abs(value) <= 2 ** 63),
} as const;

/** A datatype {@link tensorData} reads. */
export type ReadDatatype = keyof typeof elementSchemas;

/**
 * A named input's elements, checked against its datatype and shape; undefined if absent.
 * Whether the values suit the model is the caller's check ({@link requireRange}).
 */
export function tensorData(
  inputs: readonly InferTensor[],
  name: string,
  datatype: 'BYTES',
): string[] | undefined;
export function tensorData(
  inputs: readonly InferTensor[],
  name: string,
  datatype: 'INT32' | 'INT64',
): number[] | undefined;
export function tensorData(
  inputs: readonly InferTensor[],
  name: string,
  datatype: ReadDatatype,
): Array<string | number> | undefined {
  const tensor = inputs.find((input) => input.name === name);
  if (!tensor) return undefined;
  if (tensor.datatype !== datatype) throw new TensorError(`input ${name} must have datatype ${datatype}`);
  const elements = tensorElements(tensor.data, tensor.shape);
  if (!elements) throw new TensorError(`input ${name} data does not match its shape`);
  const parsed = z.array(elementSchemas[datatype]).safeParse(elements);
  if (!parsed.success) throw new TensorError(`input ${name} holds values that are not ${datatype}`);
  return parsed.data;
}

/**
 * The elements of tensor data in row-major order, or null where the data is not the tensor of
 * `shape`. The protocol allows two forms: the flat list of the elements, or their natural
 * nesting, one array level per dimension, each as long as its dimension. Any other nesting (deeper
 * than the shape, ragged, half flat) is refused. Walked level by level rather than recursively,
 * so data nested thousands deep (a few KB of brackets) cannot exhaust the stack.
 */
export function tensorElements(data: readonly unknown[], shape: readonly number[]): unknown[] | null {
  if (!data.some(Array.isArray)) {
    const elementCount = shape.reduce((product, dimension) => product * dimension, 1);
    return data.length === elementCount ? [...data] : null;
  }
  let level: unknown[] = [data];
  for (const dimension of shape) {
    const next: unknown[] = [];
    for (const node of level) {
      if (!Array.isArray(node) || node.length !== dimension) return null;
      for (const child of node) next.push(child);
    }
    level = next;
  }
  return level.some(Array.isArray) ? null : level;
}

/** Throws a TensorError naming `name` and the range unless every value lies in [min, max]. */
export function requireRange(
  name: string,
  values: readonly number[],
  min: number,
  max: number,
  unit = '',
): void {
  if (values.some((value) => value < min || value > max)) {
    throw new TensorError(`${name} must be between ${min} and ${max}${unit}`);
  }
}

/**
 * The inputs and requested outputs the model does not have, as an error naming the first one
 * (Triton answers both with 400; a typo must not silently fall back to a default).
 */
export function unknownTensorError(model: string, request: InferRequest): TensorError | null {
  const inputs: readonly string[] = kserveModelSignature.inputs.map((input) => input.name);
  const outputs: readonly string[] = kserveModelSignature.outputs.map((output) => output.name);
  const input = request.inputs.find((tensor) => !inputs.includes(tensor.name));
  if (input) {
    return new TensorError(`unexpected input ${input.name}: ${model} takes ${inputs.join(', ')}`);
  }
  const output = request.outputs?.find((tensor) => !outputs.includes(tensor.name));
  if (output) {
    return new TensorError(`unknown output ${output.name}: ${model} produces ${outputs.join(', ')}`);
  }
  return null;
}

/**
 * An input given twice or an output requested twice, as an error naming the first such name.
 * Triton refuses both (400); reading only the first of two `prompt` inputs would silently ignore
 * what the client sent.
 */
export function duplicateTensorError(request: InferRequest): TensorError | null {
  const input = firstRepeated(request.inputs.map((tensor) => tensor.name));
  if (input !== undefined) {
    return new TensorError(`duplicate input ${input}: each input may be given once`);
  }
  const output = firstRepeated((request.outputs ?? []).map((tensor) => tensor.name));
  if (output !== undefined) {
    return new TensorError(`duplicate output ${output}: each output may be requested once`);
  }
  return null;
}

function firstRepeated(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** A malformed or unacceptable tensor; answered with KServe's `{ "error": … }` and 400. */
export class TensorError extends Error {}

/** Maps Triton's numeric priority (1 = highest) or a named class onto Spillway's classes. */
export function priorityFrom(
  value: 'low' | 'normal' | 'high' | number | undefined,
): 'low' | 'normal' | 'high' {
  if (value === undefined || value === 0) return 'normal';
  if (typeof value === 'string') return value;
  return value === 1 ? 'high' : value === 2 ? 'normal' : 'low';
}
