import * as tf from "@tensorflow/tfjs";
import { onnx } from "onnx-proto";
import { UserError } from "../errors";

/**
 * A Sequential model as ONNX graphs, from one translation of its layers: the inference export (weights
 * baked in), and for training the forward pass, softmax cross-entropy and the backward pass written out as
 * ordinary ONNX operators (Conv, ConvTranspose, MaxUnpool, Gemm, ...), with the weights as graph inputs.
 * ONNX Runtime has no autodiff outside its training builds, which npm does not ship, so the gradients are
 * derived here, per layer kind. Its native kernels (AVX2, all cores) run this several times faster than
 * TensorFlow.js's wasm backend. Inputs NHWC as in TensorFlow.js. Export: Conv2D, MaxPooling2D, Flatten,
 * Dense, Dropout, Activation with relu or linear activations; training: the same without dilation,
 * overlapping pooling windows or dropout (random masks).
 */

export function attr(name: string, value: number | number[] | string): onnx.IAttributeProto {
  if (typeof value === "string") return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function pair(v: number | number[] | undefined, fallback: number): number[] {
  if (v === undefined) return [fallback, fallback];
  return Array.isArray(v) ? v : [v, v];
}

export interface TrainingGraphs {
  /** Inputs x (NHWC, as in TensorFlow.js), target (one-hot, [batch, classes]), scale (1/batch), w0..wk; outputs loss, g0..gk. */
  train: Uint8Array;
  /** Inputs x, w0..wk; output logits ([batch, classes]). */
  forward: Uint8Array;
  /** Shapes of w0..wk: the model's trainable weights in order, in TensorFlow.js layout. */
  weightShapes: number[][];
}

type Node = onnx.INodeProto;

/** Why the model cannot be exported ("export") or trained ("train") through ONNX Runtime, or null when it can. */
export function onnxUnsupported(model: tf.LayersModel, purpose: "export" | "train"): string | null {
  if (!(model instanceof tf.Sequential)) return "not a Sequential model";
  const train = purpose === "train";
  if (train && model.nonTrainableWeights.length > 0) return "it has non-trainable weights";
  for (const layer of model.layers) {
    const c = layer.getConfig() as Record<string, unknown>;
    const kind = layer.getClassName();
    const act = c.activation as string | undefined;
    if (act !== undefined && act !== "linear" && act !== "relu") return `layer ${layer.name}: activation ${act}`;
    if (kind === "Conv2D") {
      if (c.dataFormat !== "channelsLast") return `layer ${layer.name}: channelsFirst`;
      if (train && pair(c.dilationRate as number[], 1).some((d) => d !== 1)) return `layer ${layer.name}: dilation`;
    } else if (kind === "MaxPooling2D") {
      const size = pair(c.poolSize as number[], 2);
      const strides = pair((c.strides ?? c.poolSize) as number[], 2);
      if (train && (size[0] !== strides[0] || size[1] !== strides[1])) return `layer ${layer.name}: overlapping pooling windows`;
    } else if (kind === "Dropout") {
      if (train && (c.rate as number) > 0) return `layer ${layer.name}: dropout (random masks)`;
    } else if (kind !== "Flatten" && kind !== "Dense" && kind !== "Activation") {
      return `layer ${layer.name}: ${kind}`;
    }
  }
  return null;
}

/** Why the model cannot be trained through ONNX Runtime, or null when it can. */
export function onnxTrainingUnsupported(model: tf.LayersModel): string | null {
  return onnxUnsupported(model, "train");
}

/** Nodes and constants under construction, with fresh names. */
class Graph {
  readonly nodes: Node[] = [];
  readonly inits: onnx.ITensorProto[] = [];
  private n = 0;

  op(type: string, inputs: string[], attributes: onnx.IAttributeProto[] = [], outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => `v${this.n++}`);
    this.nodes.push({ opType: type, input: inputs, output: out, attribute: attributes });
    return out;
  }

  one(type: string, inputs: string[], attributes: onnx.IAttributeProto[] = []): string {
    return this.op(type, inputs, attributes)[0];
  }

  ints(values: number[]): string {
    const name = `c${this.n++}`;
    this.inits.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  }

  scalar(value: number): string {
    const name = `c${this.n++}`;
    this.inits.push({ name, dims: [], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.of(value).buffer) });
    return name;
  }
}

/** TensorFlow's padding of one spatial axis: "same" puts the odd pixel at the end, like ONNX SAME_UPPER. */
function padding(size: number, kernel: number, stride: number, same: boolean): [number, number] {
  if (!same) return [0, 0];
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** One piece of the backward pass: from the gradient of its output to that of its input (when needed). */
type Step = (g: Graph, dOut: string, needInput: boolean) => string | null;

function valueInfo(name: string, shape: (number | string)[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } } } };
}

function encode(g: Graph, inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[]): Uint8Array {
  const m: onnx.IModelProto = {
    irVersion: 8,
    producerName: "ts-datascience-workspace",
    opsetImport: [{ domain: "", version: 13 }],
    graph: { name: "train", node: g.nodes, initializer: g.inits, input: inputs, output: outputs },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(m)).finish();
}

/**
 * The graph of one purpose: "train" (inputs x, target, scale, w0..wk; outputs loss, g0..gk), "forward"
 * (inputs x, w0..wk; output logits) or "export" (input x, the model's current weights as constants;
 * output logits, no backward pass). Listwise: each sample is a set of `classes` items, the model scores one
 * item, and the set's scores are its logits (as in fit()).
 */
function build(seq: tf.Sequential, o: { classes: number; listwise: boolean }, mode: "train" | "forward" | "export"): Uint8Array {
  const weightShapes = seq.trainableWeights.map((w) => w.shape as number[]);
  const g = new Graph();
  const withBackward = mode === "train";
  const item = seq.inputs[0].shape.slice(1) as number[];
  const sampleShape = o.listwise ? [o.classes, ...item] : item;
  let current = o.listwise ? g.one("Reshape", ["x", g.ints([-1, ...item])]) : "x";
  let layout: "nhwc" | "nchw" | "flat" = item.length === 1 ? "flat" : "nhwc";
  let w = 0;
  const backward: { run: Step; weighted: boolean }[] = [];
  const back = (run: Step, weighted = false) => {
    if (withBackward) backward.push({ run, weighted });
  };
  const grads: string[] = new Array(weightShapes.length);

  const toNchw = () => {
    if (layout !== "nhwc") return;
    current = g.one("Transpose", [current], [attr("perm", [0, 3, 1, 2])]);
    layout = "nchw";
    back((g, d) => g.one("Transpose", [d], [attr("perm", [0, 2, 3, 1])]));
  };
  // relu then max-pooling equals max-pooling then relu (both monotone): pooling first makes the relu and
  // its gradient mask four times smaller. Exact, gradients included: a window's arg-max survives relu.
  let reluAfterPool = false;
  const activation = (name: string | undefined, next?: tf.layers.Layer) => {
    if (name !== "relu") return;
    if (next?.getClassName() === "MaxPooling2D") {
      reluAfterPool = true;
      return;
    }
    const pre = current;
    current = g.one("Relu", [pre]);
    back((g, d) => g.one("Where", [g.one("Greater", [pre, g.scalar(0)]), d, g.scalar(0)]));
  };

  seq.layers.forEach((layer, index) => {
    const next = seq.layers[index + 1];
    const c = layer.getConfig() as Record<string, unknown>;
    const kind = layer.getClassName();
    const inShape = (layer.input as tf.SymbolicTensor).shape as number[];
    if (kind === "Conv2D") {
      toNchw();
      const [kh, kw] = pair(c.kernelSize as number[], 1);
      const [sh, sw] = pair(c.strides as number[], 1);
      const [dh, dw] = pair(c.dilationRate as number[], 1);
      const [, h, wd, ch] = inShape;
      const f = c.filters as number;
      const same = c.padding === "same";
      const [pt, pb] = padding(h, (kh - 1) * dh + 1, sh, same);
      const [pl, pr] = padding(wd, (kw - 1) * dw + 1, sw, same);
      const kIndex = w++;
      const bIndex = c.useBias ? w++ : -1;
      const kernel = g.one("Transpose", [`w${kIndex}`], [attr("perm", [3, 2, 0, 1])]); // [F, C, kh, kw]
      const x = current;
      const conv = [attr("kernel_shape", [kh, kw]), attr("strides", [sh, sw]), attr("pads", [pt, pl, pb, pr])];
      current = g.one("Conv", bIndex >= 0 ? [x, kernel, `w${bIndex}`] : [x, kernel], dh * dw > 1 ? [...conv, attr("dilations", [dh, dw])] : conv);
      const [, oh, ow] = (layer.outputShape as number[]).slice(0, 3);
      back((g, d, needInput) => {
        if (bIndex >= 0) grads[bIndex] = g.one("ReduceSum", [d, g.ints([0, 2, 3])], [attr("keepdims", 0)]);
        // dW = im2col(x)^T . dy as one matrix product [kh*kw*C, N*oh*ow] x [N*oh*ow, F], which lands in
        // TensorFlow.js's [kh, kw, C, F] layout; the patch matrix is a concat of kh*kw strided slices of
        // the padded NHWC input. (The textbook convolution with the batch as channels runs at a third of
        // the speed in ONNX Runtime: its output is only kh x kw.)
        let xh = g.one("Transpose", [x], [attr("perm", [0, 2, 3, 1])]);
        if (pt + pb + pl + pr > 0) xh = g.one("Pad", [xh, g.ints([0, pt, pl, 0, 0, pb, pr, 0])]);
        const taps: string[] = [];
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++)
            taps.push(g.one("Slice", [xh, g.ints([i, j]), g.ints([i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1]), g.ints([1, 2]), g.ints([sh, sw])]));
        const cols = g.one("Reshape", [taps.length > 1 ? g.one("Concat", taps, [attr("axis", 3)]) : taps[0], g.ints([-1, kh * kw * ch])]);
        const dy = g.one("Reshape", [g.one("Transpose", [d], [attr("perm", [0, 2, 3, 1])]), g.ints([-1, f])]);
        grads[kIndex] = g.one("Reshape", [g.one("Gemm", [cols, dy], [attr("transA", 1)]), g.ints([kh, kw, ch, f])]);
        if (!needInput) return null;
        const outH = sh * (oh - 1) + kh - pt - pb;
        const outW = sw * (ow - 1) + kw - pl - pr;
        return g.one("ConvTranspose", [d, kernel], [...conv, attr("output_padding", [h - outH, wd - outW])]);
      }, true);
      activation(c.activation as string, next);
    } else if (kind === "MaxPooling2D") {
      toNchw();
      const [ph, pw] = pair(c.poolSize as number[], 2);
      const [sh, sw] = pair((c.strides ?? c.poolSize) as number[], 2);
      const [, h, wd] = inShape;
      const same = c.padding === "same";
      const [pt, pb] = padding(h, ph, sh, same);
      const [pl, pr] = padding(wd, pw, sw, same);
      const pool = [attr("kernel_shape", [ph, pw]), attr("strides", [sh, sw]), attr("pads", [pt, pl, pb, pr])];
      const x = current;
      // Training keeps the arg-max indices for the backward pass (windows do not overlap there).
      const [y, indices] = g.op("MaxPool", [x], pool, withBackward ? 2 : 1);
      current = y;
      back((g, d) => g.one("MaxUnpool", [d, indices, g.one("Shape", [x])], pool));
      if (reluAfterPool) activation("relu", next);
      reluAfterPool = false;
    } else if (kind === "Flatten") {
      if (layout === "nchw") {
        // TensorFlow.js flattens in NHWC order: go back to it so the Dense weights line up.
        const [, h, wd, ch] = inShape;
        current = g.one("Transpose", [current], [attr("perm", [0, 2, 3, 1])]);
        back((g, d) => g.one("Transpose", [d], [attr("perm", [0, 3, 1, 2])]));
        layout = "nhwc";
        const size = h * wd * ch;
        current = g.one("Reshape", [current, g.ints([-1, size])]);
        back((g, d) => g.one("Reshape", [d, g.ints([-1, h, wd, ch])]));
      } else if (layout === "nhwc") {
        const rest = inShape.slice(1);
        current = g.one("Reshape", [current, g.ints([-1, rest.reduce((a, b) => a * b, 1)])]);
        back((g, d) => g.one("Reshape", [d, g.ints([-1, ...rest])]));
      }
      layout = "flat";
    } else if (kind === "Dense") {
      if (layout !== "flat") throw new UserError(`Dense layer ${layer.name} must follow Flatten for ONNX`);
      const kIndex = w++;
      const bIndex = c.useBias ? w++ : -1;
      const x = current;
      current = g.one("Gemm", bIndex >= 0 ? [x, `w${kIndex}`, `w${bIndex}`] : [x, `w${kIndex}`]);
      back((g, d, needInput) => {
        grads[kIndex] = g.one("Gemm", [x, d], [attr("transA", 1)]);
        if (bIndex >= 0) grads[bIndex] = g.one("ReduceSum", [d, g.ints([0])], [attr("keepdims", 0)]);
        return needInput ? g.one("Gemm", [d, `w${kIndex}`], [attr("transB", 1)]) : null;
      }, true);
      activation(c.activation as string, next);
    } else if (kind === "Activation") {
      activation(c.activation as string, next);
    }
    // Dropout: the identity outside training (and rate 0 in it).
  });
  const logits = o.listwise ? g.one("Reshape", [current, g.ints([-1, o.classes])]) : current;
  const xInfo = valueInfo("x", ["batch", ...sampleShape]);
  if (mode === "export") {
    g.nodes.push({ opType: "Identity", input: [logits], output: ["logits"] });
    seq.trainableWeights.forEach((v, i) => g.inits.push({ name: `w${i}`, dims: weightShapes[i], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(v.read().dataSync() as Float32Array).buffer) }));
    return encode(g, [xInfo], [valueInfo("logits", ["batch", o.classes])]);
  }
  const weightInputs = weightShapes.map((s, i) => valueInfo(`w${i}`, s));
  if (!withBackward) {
    g.nodes.push({ opType: "Identity", input: [logits], output: ["logits"] });
    return encode(g, [xInfo, ...weightInputs], [valueInfo("logits", ["batch", o.classes])]);
  }
  // Mean softmax cross-entropy; its gradient with respect to the logits is (softmax - target) / batch.
  const logp = g.one("LogSoftmax", [logits], [attr("axis", 1)]);
  const total = g.one("ReduceSum", [g.one("Mul", ["target", logp]), g.ints([0, 1])], [attr("keepdims", 0)]);
  g.nodes.push({ opType: "Mul", input: [g.one("Neg", [total]), "scale"], output: ["loss"] });
  let d = g.one("Mul", [g.one("Sub", [g.one("Softmax", [logits], [attr("axis", 1)]), "target"]), "scale"]);
  if (o.listwise) d = g.one("Reshape", [d, g.ints([-1, 1])]);
  // Walk back only as far as the first layer with weights, and skip its input gradient.
  for (let i = backward.length - 1; i >= 0; i--) {
    const needInput = backward.slice(0, i).some((s) => s.weighted);
    if (!needInput && !backward[i].weighted) break;
    const next = backward[i].run(g, d, needInput);
    if (next === null) break;
    d = next;
  }
  weightShapes.forEach((_, i) => {
    g.nodes.push({ opType: "Identity", input: [grads[i]], output: [`g${i}`] });
  });
  const inputs = [xInfo, valueInfo("target", ["batch", o.classes]), valueInfo("scale", []), ...weightInputs];
  return encode(g, inputs, [valueInfo("loss", []), ...weightShapes.map((s, i) => valueInfo(`g${i}`, s))]);
}

/** The training and forward graphs (weights as inputs), for fit()'s ONNX Runtime engine. */
export function trainingGraphs(model: tf.LayersModel, o: { classes: number; listwise: boolean }): TrainingGraphs {
  const why = onnxTrainingUnsupported(model);
  if (why) throw new UserError(`cannot train through ONNX Runtime: ${why}`);
  const seq = model as tf.Sequential;
  return { train: build(seq, o, "train"), forward: build(seq, o, "forward"), weightShapes: seq.trainableWeights.map((w) => w.shape as number[]) };
}

/** A trained model (NHWC in, logits out) as an ONNX model (opset 13) with its weights as constants: input "x", output "logits". */
export function toOnnx(model: tf.LayersModel): Uint8Array {
  const why = onnxUnsupported(model, "export");
  if (why) throw new UserError(`cannot export to ONNX: ${why}`);
  const seq = model as tf.Sequential;
  const units = seq.outputs[0].shape[seq.outputs[0].shape.length - 1] as number;
  return build(seq, { classes: units, listwise: false }, "export");
}
