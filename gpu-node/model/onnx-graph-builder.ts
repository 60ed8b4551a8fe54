import onnxProto from 'onnx-proto';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { normalFloat32, seededGenerator } from './seeded-normal.ts';

const { onnx } = onnxProto;

/** ONNX TensorProto data types used by the built-in models. */
export const OnnxDataType = { float: 1, uint8: 2, int32: 6, int64: 7, float16: 10 } as const;

type Dimension = number | string;
type AttributeValue = number | number[] | string;

/** A tiny typed wrapper over onnx-proto for building graphs in TypeScript. */
export class OnnxGraphBuilder {
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #random: RandomGenerator;
  #counter = 0;

  /** @param weightSeed seeds every weight this builder draws, so a build is reproducible. */
  constructor(weightSeed: number) {
    this.#random = seededGenerator(weightSeed);
  }

  /** Declares a graph input. */
  input(name: string, dataType: number, shape: readonly Dimension[]): string {
    this.#inputs.push(valueInfo(name, dataType, shape));
    return name;
  }

  /** Declares a graph output produced by `producer` under the given name. */
  output(name: string, producer: string, dataType: number, shape: readonly Dimension[]): void {
    this.#nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [producer], output: [name] }));
    this.#outputs.push(valueInfo(name, dataType, shape));
  }

  /** Adds a float constant. */
  constant(dims: readonly number[], values: Float32Array): string {
    const name = `const_${this.#counter++}`;
    this.#initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [...dims],
        dataType: OnnxDataType.float,
        rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      }),
    );
    return name;
  }

  /** Adds an int64 constant (shapes, axes). */
  int64Constant(values: readonly number[]): string {
    const name = `const_${this.#counter++}`;
    this.#initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [values.length],
        dataType: OnnxDataType.int64,
        int64Data: [...values],
      }),
    );
    return name;
  }

  /** Draws `count` standard normal values from the builder's seeded generator. */
  sampleNormal(count: number): Float32Array {
    return normalFloat32(this.#random, count);
  }

  /** Adds a float constant with Gaussian weights of the given standard deviation. */
  randomWeights(dims: readonly number[], standardDeviation: number): string {
    const count = dims.reduce((product, dimension) => product * dimension, 1);
    return this.constant(
      dims,
      this.sampleNormal(count).map((value) => value * standardDeviation),
    );
  }

  /** Appends a node and returns the name of its single output. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    const output = `${opType.toLowerCase()}_${this.#counter++}`;
    this.#nodes.push(
      onnx.NodeProto.create({
        opType,
        input: [...inputs],
        output: [output],
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return output;
  }

  /** Serialises the graph as an ONNX model (IR 8, opset 13). */
  encode(graphName: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'spillway',
      opsetImport: [{ domain: '', version: 13 }],
      graph: onnx.GraphProto.create({
        name: graphName,
        node: this.#nodes,
        initializer: this.#initializers,
        input: this.#inputs,
        output: this.#outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(
  name: string,
  dataType: number,
  shape: readonly Dimension[],
): onnxProto.onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: dataType,
        shape: {
          dim: shape.map((dimension) =>
            typeof dimension === 'number' ? { dimValue: dimension } : { dimParam: dimension },
          ),
        },
      },
    },
  });
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') {
    return { name, type: types.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) {
    return { name, type: types.INTS, ints: value };
  }
  return Number.isInteger(value)
    ? { name, type: types.INT, i: value }
    : { name, type: types.FLOAT, f: value };
}
