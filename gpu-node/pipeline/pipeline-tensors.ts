import * as ort from 'onnxruntime-node';
import { fromHalf, toHalf } from './half-float.ts';

/** ONNX Runtime's name for a floating tensor type the pipeline feeds or reads. */
export type FloatType = 'float32' | 'float16';

/** The dtypes an exported UNet's `timestep` comes in. */
export type TimestepType = 'float32' | 'float16' | 'int64';

/** A floating tensor of the graph's type: float32 as is, float16 converted. */
export function floatTensor(type: FloatType, values: Float32Array, dims: readonly number[]): ort.Tensor {
  return type === 'float16'
    ? new ort.Tensor('float16', toHalf(values), dims)
    : new ort.Tensor('float32', values, dims);
}

/** A floating output as float32 values (float16 converted); null when it is neither. */
export function floatData(tensor: ort.Tensor | undefined): Float32Array | null {
  if (!tensor) return null;
  if (tensor.type === 'float16' && tensor.data instanceof Uint16Array) return fromHalf(tensor.data);
  return tensor.data instanceof Float32Array ? tensor.data : null;
}

/** The UNet's timestep input: one value for the batch, or one per row, in the export's dtype. */
export function timestepTensor(
  type: TimestepType,
  timesteps: readonly number[],
  shared: boolean,
): ort.Tensor {
  const values = shared ? timesteps.slice(0, 1) : timesteps;
  const dims = [values.length];
  if (type === 'int64') {
    return new ort.Tensor(
      'int64',
      BigInt64Array.from(values, (value) => BigInt(Math.round(value))),
      dims,
    );
  }
  return floatTensor(type, Float32Array.from(values), dims);
}

/** Token ids as the text encoder takes them: [prompts x tokens], int32 or int64. */
export function tokenTensor(
  type: 'int32' | 'int64',
  rows: readonly Int32Array[],
  length: number,
): ort.Tensor {
  const flat = new Int32Array(rows.length * length);
  rows.forEach((row, index) => {
    flat.set(row, index * length);
  });
  return type === 'int64'
    ? new ort.Tensor(
        'int64',
        BigInt64Array.from(flat, (value) => BigInt(value)),
        [rows.length, length],
      )
    : new ort.Tensor('int32', flat, [rows.length, length]);
}
