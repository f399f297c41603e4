import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/ml";
import { rng } from "../../src/util/random";

/** Runs fn on the named backend and returns plain arrays, so results can be compared across backends. */
async function on<T>(backend: string, fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

/** The reference CNN's layers at small size, with seeded weights, and the gradients of its loss. */
function cnnGradients(): number[][] {
  return tf.tidy(() => {
    const r = rng(7);
    const x = tf.tensor4d(Array.from({ length: 4 * 12 * 12 }, () => r()), [4, 12, 12, 1]);
    const labels = tf.oneHot(tf.tensor1d([1, 3, 0, 2], "int32"), 4);
    const w1 = tf.variable(tf.tensor4d(Array.from({ length: 3 * 3 * 1 * 5 }, () => r() - 0.5), [3, 3, 1, 5]));
    const w2 = tf.variable(tf.tensor4d(Array.from({ length: 3 * 3 * 5 * 6 }, () => r() - 0.5), [3, 3, 5, 6]));
    const wd = tf.variable(tf.tensor2d(Array.from({ length: 6 * 4 }, () => r() - 0.5), [6, 4]));
    const { grads } = tf.variableGrads(() => {
      let h = tf.relu(tf.conv2d(x, w1, 1, "valid")); // 10x10x5
      h = tf.maxPool(h, 2, 2, "valid"); // 5x5x5
      h = tf.relu(tf.conv2d(h, w2, [2, 2], "same")); // 3x3x6
      h = tf.maxPool(h, 2, 2, "same"); // 2x2x6
      const logits = tf.matMul(tf.mean(h, [1, 2]), wd);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
    const out = [w1, w2, wd].map((v) => Array.from(grads[v.name].dataSync()));
    tf.dispose([w1, w2, wd]);
    return out;
  });
}

describe("ml/backend", () => {
  it("picks a backend once and logs it; here wasm unless native TensorFlow loads", async () => {
    const info = await initBackend();
    assert.ok(["tensorflow", "wasm"].includes(info.name), info.detail);
    assert.equal(await initBackend(), info);
    if (info.name === "wasm") {
      // Conv training needs Conv2DBackpropFilter, which stock wasm lacks: ours, not the slow cpu fallback.
      assert.ok(tf.getKernel("Conv2DBackpropFilter", "wasm"));
      assert.ok(!info.fallbackKernels.includes("Conv2DBackpropFilter"));
    }
  });

  it("trains conv, pooling and dense layers on the chosen backend with the cpu backend's gradients", async () => {
    const info = await initBackend();
    const reference = await on("cpu", cnnGradients);
    const chosen = await on(info.name, cnnGradients);
    await tf.setBackend(info.name);
    reference.forEach((ref, i) => {
      const scale = Math.max(...ref.map(Math.abs));
      const err = Math.max(...ref.map((v, j) => Math.abs(v - chosen[i][j])));
      assert.ok(err <= 1e-4 * Math.max(1, scale), `weight ${i}: max error ${err} (scale ${scale})`);
    });
  });

  it("slices like the cpu backend over random shapes (the fast wasm Slice)", async () => {
    const info = await initBackend();
    const r = rng(3);
    const cases = Array.from({ length: 40 }, () => {
      const rank = 1 + Math.floor(r() * 4);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(r() * 6));
      const begin = shape.map((s) => Math.floor(r() * s));
      const size = shape.map((s, d) => (r() < 0.2 ? -1 : Math.floor(r() * (s - begin[d] + 1))));
      return { shape, begin, size, values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r()) };
    });
    const run = () => cases.map((c) => tf.tidy(() => Array.from(tf.slice(tf.tensor(c.values, c.shape), c.begin, c.size).dataSync())));
    const expected = await on("cpu", run);
    const actual = await on(info.name, run);
    await tf.setBackend(info.name);
    assert.deepEqual(actual, expected);
  });

  it("leaks no tensors across epochs of model.fit", async () => {
    await initBackend();
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: "relu" }), tf.layers.flatten(), tf.layers.dense({ units: 3 })] });
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    const x = tf.ones([16, 8, 8, 1]);
    const y = tf.zeros([16]);
    await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
    model.dispose();
  });
});
