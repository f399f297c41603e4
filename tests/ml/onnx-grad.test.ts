import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { initBackend } from "../../src/ml";
import { deepCnn, referenceCnn } from "../../src/ml/models";
import { onnxTrainingUnsupported, trainingGraphs } from "../../src/ml/onnx-grad";
import { Replica } from "../../src/ml/train/replica";
import { rng } from "../../src/util/random";

/** Loss and flat gradient from ONNX Runtime on the training graph, for the model's current weights. */
async function onnxGradients(model: tf.Sequential, x: Float32Array, y: Int32Array, shape: number[], classes: number, listwise: boolean): Promise<{ loss: number; grads: Float32Array }> {
  const graphs = trainingGraphs(model, { classes, listwise });
  const session = await ort.InferenceSession.create(graphs.train, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
  try {
    const n = y.length;
    const target = new Float32Array(n * classes);
    y.forEach((c, i) => (target[i * classes + c] = 1));
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor("float32", x, [n, ...shape]),
      target: new ort.Tensor("float32", target, [n, classes]),
      scale: new ort.Tensor("float32", Float32Array.of(1 / n), []),
    };
    model.trainableWeights.forEach((w, i) => (feeds[`w${i}`] = new ort.Tensor("float32", w.read().dataSync() as Float32Array, w.shape as number[])));
    const out = await session.run(feeds);
    const grads = new Float32Array(graphs.weightShapes.reduce((a, s) => a + s.reduce((p, q) => p * q, 1), 0));
    let offset = 0;
    graphs.weightShapes.forEach((_, i) => {
      grads.set(out[`g${i}`].data as Float32Array, offset);
      offset += (out[`g${i}`].data as Float32Array).length;
    });
    return { loss: (out.loss.data as Float32Array)[0], grads };
  } finally {
    await session.release();
  }
}

/** The ONNX graph's loss and gradients equal TensorFlow.js's autodiff (wasm backend) on the same batch. */
async function assertSameGradients(model: tf.Sequential, o: { n: number; classes: number; listwise?: boolean; seed: number; input?: (r: () => number) => number }): Promise<void> {
  const listwise = o.listwise ?? false;
  const item = model.inputs[0].shape.slice(1) as number[];
  const shape = listwise ? [o.classes, ...item] : item;
  const r = rng(o.seed);
  const x = Float32Array.from({ length: o.n * shape.reduce((a, b) => a * b, 1) }, () => (o.input ?? ((q) => q() * 2 - 1))(r));
  const y = Int32Array.from({ length: o.n }, () => Math.floor(r() * o.classes));
  const replica = new Replica(model, o.classes, 1e-3, listwise);
  const expected = new Float32Array(replica.parameterCount);
  const expectedLoss = replica.gradients(x, y, shape, expected);
  replica.dispose();
  const got = await onnxGradients(model, x, y, shape, o.classes, listwise);
  assert.ok(Math.abs(got.loss - expectedLoss) < 1e-5 * Math.max(1, expectedLoss), `loss ${got.loss} vs ${expectedLoss}`);
  let scale = 0;
  let worst = 0;
  expected.forEach((v, i) => {
    scale = Math.max(scale, Math.abs(v));
    worst = Math.max(worst, Math.abs(v - got.grads[i]));
  });
  assert.ok(scale > 0, "the batch has a non-zero gradient");
  assert.ok(worst < 1e-4 * scale, `max gradient difference ${worst} (largest gradient ${scale})`);
}

/** A random small CNN: 1-2 convolutions (kernel 1-3, stride 1-2, valid or same, bias or not), pooling, dense. */
function randomCnn(seed: number): { model: tf.Sequential; description: string } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const init = () => tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: Math.floor(r() * 1e6) });
  const layers: tf.layers.Layer[] = [];
  const parts: string[] = [];
  const inputShape: [number, number, number] = [6 + Math.floor(r() * 6), 6 + Math.floor(r() * 6), 1 + Math.floor(r() * 3)];
  parts.push(`input ${inputShape.join("x")}`);
  // Spatial size after each layer, so that no layer gets an input smaller than its window.
  let size = [inputShape[0], inputShape[1]];
  const out = (window: number[], strides: number[], padding: string) => size.map((s, a) => (padding === "same" ? Math.ceil(s / strides[a]) : Math.floor((s - window[a]) / strides[a]) + 1));
  const convs = 1 + Math.floor(r() * 2);
  for (let i = 0; i < convs; i++) {
    const kernelSize = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 3)];
    const strides = [pick([1, 1, 2]), pick([1, 1, 2])];
    const padding = kernelSize.some((k, a) => k > size[a]) ? "same" : pick(["valid", "same"] as const);
    size = out(kernelSize, strides, padding);
    const useBias = r() < 0.7;
    const activation = pick(["relu", "relu", "linear"] as const);
    layers.push(tf.layers.conv2d({ ...(i === 0 ? { inputShape } : {}), filters: 2 + Math.floor(r() * 4), kernelSize, strides, padding, useBias, activation, kernelInitializer: init(), biasInitializer: init() }));
    parts.push(`conv ${kernelSize.join("x")}/${strides.join("x")} ${padding}${useBias ? "" : " no-bias"} ${activation}`);
    if (i === 0 || r() < 0.5) {
      const poolSize = pick([2, [2, 1], [1, 2], 3] as (number | [number, number])[]);
      const window = typeof poolSize === "number" ? [poolSize, poolSize] : poolSize;
      const poolPadding = window.some((k, a) => k > size[a]) ? "same" : pick(["valid", "same"] as const);
      size = out(window, window, poolPadding);
      layers.push(tf.layers.maxPooling2d({ poolSize, padding: poolPadding }));
      parts.push(`pool ${poolSize} ${poolPadding}`);
    }
  }
  layers.push(tf.layers.flatten());
  if (r() < 0.5) {
    layers.push(tf.layers.dense({ units: 5, kernelInitializer: init(), biasInitializer: init() }));
    layers.push(tf.layers.activation({ activation: "relu" }));
    parts.push("dense 5 + Activation relu");
  }
  layers.push(tf.layers.dense({ units: 3, kernelInitializer: init(), biasInitializer: init() }));
  return { model: tf.sequential({ layers }), description: parts.join(", ") };
}

describe("ml/onnx-grad training graphs for ONNX Runtime", function () {
  this.timeout(120000);
  before(() => initBackend());

  it("give the reference CNN the gradients TensorFlow.js computes", () => assertSameGradients(referenceCnn(2), { n: 16, classes: 10, seed: 1, input: (r) => r() }));

  it("give the deeper CNN the gradients TensorFlow.js computes", () => assertSameGradients(deepCnn(4), { n: 8, classes: 10, seed: 2, input: (r) => r() }));

  it("match TensorFlow.js over 24 random CNNs (shapes, kernels, strides, both paddings, pooling, bias or not)", async () => {
    for (let seed = 1; seed <= 24; seed++) {
      const { model, description } = randomCnn(seed);
      try {
        await assertSameGradients(model, { n: 5, classes: 3, seed });
      } catch (e) {
        throw new Error(`random CNN ${seed} (${description}): ${(e as Error).message}`);
      } finally {
        model.dispose();
      }
    }
  });

  it("route tied maxima like TensorFlow.js (blank images, positive biases)", () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: "ones" }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    // Mostly zeros: every window of the blank area holds four equal maxima (the bias).
    return assertSameGradients(model, { n: 6, classes: 4, seed: 3, input: (r) => (r() < 0.1 ? 1 : 0) });
  });

  it("handle MLPs on image-shaped and flat inputs, and listwise scoring", async () => {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const mlp = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [6, 4, 1] }), tf.layers.dense({ units: 7, activation: "relu", kernelInitializer: init(1) }), tf.layers.dense({ units: 1, kernelInitializer: init(2) })] });
    await assertSameGradients(mlp, { n: 8, classes: 4, listwise: true, seed: 5 });
    const flat = tf.sequential({ layers: [tf.layers.dense({ inputShape: [9], units: 6, activation: "relu", kernelInitializer: init(3) }), tf.layers.dense({ units: 3, useBias: false, kernelInitializer: init(4) })] });
    await assertSameGradients(flat, { n: 10, classes: 3, seed: 6 });
    const cnnScorer = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [7, 6, 1], filters: 3, kernelSize: 3, activation: "relu", kernelInitializer: init(5) }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 1, kernelInitializer: init(6) })] });
    await assertSameGradients(cnnScorer, { n: 4, classes: 5, listwise: true, seed: 7 });
  });

  it("say which models they cannot train, and why", () => {
    const dropout = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2 })] });
    assert.match(onnxTrainingUnsupported(dropout)!, /dropout \(random masks\)/);
    const tanh = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: "tanh" })] });
    assert.match(onnxTrainingUnsupported(tanh)!, /activation tanh/);
    const overlapping = tf.sequential({ layers: [tf.layers.maxPooling2d({ inputShape: [6, 6, 1], poolSize: 3, strides: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })] });
    assert.match(onnxTrainingUnsupported(overlapping)!, /overlapping pooling windows/);
    const bn = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.batchNormalization()] });
    assert.match(onnxTrainingUnsupported(bn)!, /non-trainable weights/);
    assert.equal(onnxTrainingUnsupported(referenceCnn(1)), null);
    assert.throws(() => trainingGraphs(tanh, { classes: 3, listwise: false }), /cannot train through ONNX Runtime: .*activation tanh/);
  });
});
