import * as tf from "@tensorflow/tfjs";
import { onnx } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { UserError } from "../errors";

/**
 * Fast CPU inference for trained Sequential CNNs: the model is exported to ONNX and run by ONNX Runtime
 * (native kernels with AVX2/AVX-512, several times the throughput of TensorFlow.js's wasm backend, whose
 * single-threaded 128-bit SIMD tops out near 20 GFLOP/s). Supported layers: Conv2D, MaxPooling2D, Flatten,
 * Dense, Dropout, Activation, with linear or relu activations; inputs NHWC as in TensorFlow.js.
 */

type Node = onnx.INodeProto;
const INPUT = "input";
const OUTPUT = "logits";

export function attr(name: string, value: number | number[] | string): onnx.IAttributeProto {
  if (typeof value === "string") return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function initializer(name: string, t: tf.Tensor, perm?: number[]): onnx.ITensorProto {
  const v = perm ? tf.tidy(() => t.transpose(perm)) : t;
  const proto: onnx.ITensorProto = { name, dims: v.shape, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(v.dataSync() as Float32Array).buffer) };
  if (perm) v.dispose();
  return proto;
}

export function pair(v: number | number[] | undefined, fallback: number): number[] {
  if (v === undefined) return [fallback, fallback];
  return Array.isArray(v) ? v : [v, v];
}

/** Serialises a trained Sequential model (NHWC in, logits out) as an ONNX model (opset 13). */
export function toOnnx(model: tf.Sequential): Uint8Array {
  const nodes: Node[] = [];
  const inits: onnx.ITensorProto[] = [];
  let current = `${INPUT}_nchw`;
  let layout: "nchw" | "nhwc" | "flat" = "nchw";
  nodes.push({ opType: "Transpose", input: [INPUT], output: [current], attribute: [attr("perm", [0, 3, 1, 2])] });
  const next = (op: string, inputs: string[], attributes: onnx.IAttributeProto[] = []) => {
    const out = `t${nodes.length}`;
    nodes.push({ opType: op, input: [current, ...inputs], output: [out], attribute: attributes });
    current = out;
  };
  const activation = (name: string | undefined, layer: string) => {
    if (!name || name === "linear") return;
    if (name !== "relu") throw new UserError(`ONNX export: activation ${name} of layer ${layer} is not supported (linear, relu)`);
    next("Relu", []);
  };
  for (const layer of model.layers) {
    const c = layer.getConfig() as Record<string, unknown>;
    const kind = layer.getClassName();
    const w = layer.getWeights();
    if (kind === "Conv2D") {
      if (c.dataFormat !== "channelsLast") throw new UserError(`ONNX export: ${layer.name} must be channelsLast`);
      inits.push(initializer(`${layer.name}_w`, w[0], [3, 2, 0, 1]));
      const inputs = [`${layer.name}_w`];
      if (w[1]) {
        inits.push(initializer(`${layer.name}_b`, w[1]));
        inputs.push(`${layer.name}_b`);
      }
      next("Conv", inputs, [
        attr("kernel_shape", pair(c.kernelSize as number[], 1)),
        attr("strides", pair(c.strides as number[], 1)),
        attr("dilations", pair(c.dilationRate as number[], 1)),
        attr("auto_pad", c.padding === "same" ? "SAME_UPPER" : "VALID"),
      ]);
      activation(c.activation as string, layer.name);
    } else if (kind === "MaxPooling2D") {
      next("MaxPool", [], [attr("kernel_shape", pair(c.poolSize as number[], 2)), attr("strides", pair((c.strides ?? c.poolSize) as number[], 2)), attr("auto_pad", c.padding === "same" ? "SAME_UPPER" : "VALID")]);
    } else if (kind === "Flatten") {
      // TensorFlow.js flattens in NHWC order; go back to it first so Dense weights line up.
      if (layout === "nchw") next("Transpose", [], [attr("perm", [0, 2, 3, 1])]);
      next("Flatten", [], [attr("axis", 1)]);
      layout = "flat";
    } else if (kind === "Dense") {
      if (layout !== "flat") throw new UserError(`ONNX export: Dense layer ${layer.name} must follow Flatten`);
      inits.push(initializer(`${layer.name}_w`, w[0]));
      const inputs = [`${layer.name}_w`];
      if (w[1]) {
        inits.push(initializer(`${layer.name}_b`, w[1]));
        inputs.push(`${layer.name}_b`);
      }
      next("Gemm", inputs);
      activation(c.activation as string, layer.name);
    } else if (kind === "Activation") {
      activation(c.activation as string, layer.name);
    } else if (kind !== "Dropout") {
      throw new UserError(`ONNX export: layer ${layer.name} (${kind}) is not supported`);
    }
  }
  nodes[nodes.length - 1].output = [OUTPUT];
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  const valueInfo = (name: string, shape: (number | null)[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => (d == null ? { dimParam: "batch" } : { dimValue: d })) } } },
  });
  const m: onnx.IModelProto = {
    irVersion: 8,
    producerName: "ts-datascience-workspace",
    opsetImport: [{ domain: "", version: 13 }],
    graph: { name: model.name, node: nodes, initializer: inits, input: [valueInfo(INPUT, inShape)], output: [valueInfo(OUTPUT, outShape)] },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(m)).finish();
}

/** An ONNX Runtime session over an exported model: logits for NHWC inputs, in batches. */
export class OnnxClassifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly shape: number[],
  ) {}

  /** threads: ONNX Runtime's intra-op threads (default: every core). */
  static async fromModel(model: tf.Sequential, threads?: number): Promise<OnnxClassifier> {
    const session = await ort.InferenceSession.create(toOnnx(model), {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
    return new OnnxClassifier(session, model.inputs[0].shape.slice(1) as number[]);
  }

  async logits(x: Float32Array, batch = 1024): Promise<Float32Array> {
    const size = this.shape.reduce((a, b) => a * b, 1);
    const n = x.length / size;
    const parts: Float32Array[] = [];
    for (let b = 0; b < n; b += batch) {
      const m = Math.min(batch, n - b);
      const out = await this.session.run({ [INPUT]: new ort.Tensor("float32", x.subarray(b * size, (b + m) * size), [m, ...this.shape]) });
      parts.push(out[OUTPUT].data as Float32Array);
    }
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  }

  /** Top-1 class of each sample. */
  async predict(x: Float32Array, classes: number): Promise<Int32Array> {
    const l = await this.logits(x);
    const out = new Int32Array(l.length / classes);
    for (let i = 0; i < out.length; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (l[i * classes + c] > l[i * classes + best]) best = c;
      out[i] = best;
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
