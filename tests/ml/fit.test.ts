import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/ml";
import { fit, type Samples } from "../../src/ml/train";
import { rng } from "../../src/util/random";

/** A small seeded CNN (conv, pool, dense) on 10x10 inputs with 3 classes: fast enough for unit tests. */
function smallCnn(seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [10, 10, 1], filters: 4, kernelSize: 3, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** Three learnable classes: a bright row at the top, middle or bottom, plus noise. */
function stripes(n: number, seed: number): Samples {
  const r = rng(seed);
  const x = new Float32Array(n * 100);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(r() * 3);
    for (let p = 0; p < 100; p++) x[i * 100 + p] = r() * 0.3 + (Math.floor(p / 10) === 1 + y[i] * 3 ? 1 : 0);
  }
  return { x, y, shape: [10, 10, 1] };
}

const flat = (m: tf.LayersModel) => m.getWeights().flatMap((w) => Array.from(w.dataSync()));

describe("ml/train fit", function () {
  this.timeout(120000);
  before(() => initBackend());

  it("one data-parallel step (2 worker threads) equals one single-thread step on the same batch", async () => {
    const data = stripes(24, 1);
    const one = smallCnn(5);
    const two = smallCnn(5);
    assert.deepEqual(flat(one), flat(two));
    const before = flat(one);
    const opts = { seed: 3, batchSize: 24, epochs: 1, classes: 3, learningRate: 0.01, verbose: false };
    await fit(one, data, { ...opts, workers: 1 });
    await fit(two, data, { ...opts, workers: 2 });
    const a = flat(one);
    const b = flat(two);
    assert.ok(a.some((v, i) => Math.abs(v - before[i]) > 1e-4), "the step changed the weights");
    const err = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    assert.ok(err < 1e-5, `max weight difference ${err}`);
  });

  it("follows a learning-rate schedule per epoch, in this thread and in the workers", async () => {
    // Epoch 2's step size is negligible, so two epochs must end where one epoch at the first rate ends.
    const data = stripes(48, 6);
    for (const workers of [1, 2]) {
      const once = smallCnn(9);
      const scheduled = smallCnn(9);
      const opts = { seed: 4, batchSize: 16, classes: 3, verbose: false, workers };
      await fit(once, data, { ...opts, epochs: 1, learningRate: 0.01 });
      await fit(scheduled, data, { ...opts, epochs: 2, learningRate: (e: number) => (e === 1 ? 0.01 : 1e-20) });
      const b = flat(scheduled);
      const err = Math.max(...flat(once).map((v, i) => Math.abs(v - b[i])));
      assert.ok(err < 1e-6, `${workers} worker(s): max weight difference ${err}`);
    }
    await assert.rejects(fit(smallCnn(9), data, { seed: 1, batchSize: 16, epochs: 2, classes: 3, verbose: false, workers: 1, learningRate: (e) => (e === 1 ? 0.01 : 0) }), /learning rate must be positive, not 0 \(epoch 2\)/);
  });

  it("learns, validates each epoch, and is deterministic for a seed", async () => {
    const train = stripes(300, 2);
    const validation = stripes(90, 3);
    const run = async () => {
      const m = smallCnn(7);
      const r = await fit(m, train, { seed: 1, batchSize: 32, epochs: 4, classes: 3, learningRate: 0.01, validation, workers: 2, verbose: false });
      return { r, w: flat(m) };
    };
    const first = await run();
    const second = await run();
    const last = first.r.history.at(-1)!;
    assert.equal(first.r.history.length, 4);
    assert.ok(last.valAccuracy! > 0.9, `val accuracy ${last.valAccuracy}`);
    assert.ok(last.loss < first.r.history[0].loss);
    assert.deepEqual(second.w, first.w);
    assert.deepEqual(second.r.history.map((h) => h.loss), first.r.history.map((h) => h.loss));
  });

  it("leaks no tensors across epochs, in this thread or in the workers", async () => {
    const train = stripes(64, 4);
    for (const workers of [1, 2]) {
      const tensors: number[] = [];
      await fit(smallCnn(1), train, { seed: 1, batchSize: 16, epochs: 4, classes: 3, workers, verbose: false, onEpoch: (l) => tensors.push(l.tensors) });
      assert.ok(tensors.slice(1).every((t) => t === tensors[1]), `workers=${workers}: tensors per epoch ${tensors}`);
    }
  });

  it("stops early and keeps the best epoch's weights", async () => {
    const train = stripes(60, 5);
    const validation = stripes(30, 6);
    const logs: number[] = [];
    // A learning rate this high makes validation loss worsen after the first epochs.
    const r = await fit(smallCnn(2), train, { seed: 1, batchSize: 60, epochs: 30, classes: 3, learningRate: 0.5, validation, earlyStopping: { patience: 2 }, workers: 1, verbose: false, onEpoch: (l) => logs.push(l.valLoss!) });
    assert.equal(r.stoppedEarly, true);
    assert.ok(r.history.length < 30);
    assert.equal(r.bestEpoch, logs.indexOf(Math.min(...logs)) + 1);
  });

  it("rejects bad input with clear messages", async () => {
    const m = smallCnn(1);
    await assert.rejects(fit(m, { x: new Float32Array(10), y: new Int32Array(1), shape: [10, 10, 1] }, { seed: 1, batchSize: 1, epochs: 1, classes: 3 }), /x has 10 values, expected 1 samples x 100/);
    await assert.rejects(fit(m, { x: new Float32Array(100), y: Int32Array.of(7), shape: [10, 10, 1] }, { seed: 1, batchSize: 1, epochs: 1, classes: 3 }), /label 7 at row 0 is not a class 0-2/);
    await assert.rejects(fit(m, stripes(4, 1), { seed: 1, batchSize: 2, epochs: 1, classes: 3, earlyStopping: { patience: 1 } }), /early stopping needs validation data/);
  });

  it("trains listwise: the model scores items and learns which item of each set is the right one", async () => {
    // Sets of 4 items of 3 features; the right item is the one with the largest first feature.
    const r = rng(4);
    const n = 600;
    const x = Float32Array.from({ length: n * 12 }, () => r());
    const y = Int32Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let k = 1; k < 4; k++) if (x[i * 12 + k * 3] > x[i * 12 + best * 3]) best = k;
      return best;
    });
    const data: Samples = { x, y, shape: [4, 3] };
    const scorer = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    const res = await fit(scorer, data, { seed: 1, batchSize: 32, epochs: 30, classes: 4, listwise: true, learningRate: 0.05, validation: data, workers: 2, verbose: false });
    assert.ok(res.history.at(-1)!.valAccuracy! > 0.95, `accuracy ${res.history.at(-1)!.valAccuracy}`);
    await assert.rejects(fit(scorer, data, { seed: 1, batchSize: 32, epochs: 1, classes: 3, listwise: true, verbose: false }), /sets of 4 items, but classes is 3/);
  });
});
