import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/ml";
import { referenceCnn } from "../../src/ml/models";
import { OnnxClassifier, toOnnx } from "../../src/ml/onnx";
import { rng } from "../../src/util/random";

async function assertSameLogits(model: tf.Sequential, n: number): Promise<void> {
  const shape = model.inputs[0].shape.slice(1) as number[];
  const r = rng(9);
  const x = Float32Array.from({ length: n * shape.reduce((a, b) => a * b) }, () => r());
  const expected = tf.tidy(() => Array.from((model.predict(tf.tensor(x, [n, ...shape])) as tf.Tensor).dataSync()));
  const clf = await OnnxClassifier.fromModel(model, 1);
  try {
    const got = await clf.logits(x, 7); // several batches, the last one partial
    assert.equal(got.length, expected.length);
    const err = Math.max(...expected.map((v, i) => Math.abs(v - got[i])));
    assert.ok(err < 1e-4, `max logit difference ${err}`);
    const top = await clf.predict(x, expected.length / n);
    assert.equal(top.length, n);
  } finally {
    await clf.release();
  }
}

describe("ml/onnx export and ONNX Runtime inference", function () {
  this.timeout(60000);
  before(() => initBackend());

  it("gives the same logits as TensorFlow.js for the reference CNN", () => assertSameLogits(referenceCnn(3), 20));

  it("handles same padding, strides, pooling strides, dropout and a bias-free layer", async () => {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [9, 11, 2], filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: "same", activation: "relu", kernelInitializer: init(1) }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: "same" }),
        tf.layers.conv2d({ filters: 4, kernelSize: 2, useBias: false, kernelInitializer: init(2) }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 6, activation: "relu", kernelInitializer: init(3), biasInitializer: "ones" }),
        tf.layers.dense({ units: 3, kernelInitializer: init(4) }),
      ],
    });
    await assertSameLogits(model, 13);
  });

  it("handles dilated convolutions (same and valid padding) and an MLP on flat input", async () => {
    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const dilated = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [10, 9, 1], filters: 3, kernelSize: 3, dilationRate: 2, padding: "same", activation: "relu", kernelInitializer: init(5) }),
        tf.layers.conv2d({ filters: 2, kernelSize: [2, 3], dilationRate: [2, 1], kernelInitializer: init(6) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, kernelInitializer: init(7) }),
      ],
    });
    await assertSameLogits(dilated, 9);
    const mlp = tf.sequential({ layers: [tf.layers.dense({ inputShape: [12], units: 5, activation: "relu", kernelInitializer: init(8) }), tf.layers.dense({ units: 2, kernelInitializer: init(9) })] });
    await assertSameLogits(mlp, 6);
  });

  it("refuses layers and activations it cannot export, naming them", () => {
    const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 2, activation: "tanh" })] });
    assert.throws(() => toOnnx(m), /cannot export to ONNX: layer dense_\w+: activation tanh/);
    const bn = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [4] })] });
    assert.throws(() => toOnnx(bn), /cannot export to ONNX: layer batch_normalization_\w+: BatchNormalization/);
  });
});
