import { z } from 'zod';

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
      size: z.string().optional(),
      priority: z.union([z.enum(['low', 'normal', 'high']), z.number().int().min(0)]).optional(),
      timeout: z.number().int().positive().optional().describe('microseconds, as in KServe/Triton'),
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

/** A named input's elements, validated against the element schema; undefined if absent. */
export function tensorData<T>(
  inputs: readonly InferTensor[],
  name: string,
  datatype: string,
  element: z.ZodType<T>,
): T[] | undefined {
  const tensor = inputs.find((input) => input.name === name);
  if (!tensor) return undefined;
  if (tensor.datatype !== datatype) throw new TensorError(`input ${name} must have datatype ${datatype}`);
  const elementCount = tensor.shape.reduce((product, dimension) => product * dimension, 1);
  const parsed = z.array(element).safeParse(tensor.data.flat(Number.POSITIVE_INFINITY));
  if (!parsed.success) throw new TensorError(`input ${name} holds values that are not ${datatype}`);
  if (parsed.data.length !== elementCount)
    throw new TensorError(`input ${name} data does not match its shape`);
  return parsed.data;
}

/** A malformed tensor; answered with KServe's `{ "error": … }` and 400. */
export class TensorError extends Error {}

/** Maps Triton's numeric priority (1 = highest) or a named class onto Spillway's classes. */
export function priorityFrom(
  value: 'low' | 'normal' | 'high' | number | undefined,
): 'low' | 'normal' | 'high' {
  if (value === undefined || value === 0) return 'normal';
  if (typeof value === 'string') return value;
  return value === 1 ? 'high' : value === 2 ? 'normal' : 'low';
}
