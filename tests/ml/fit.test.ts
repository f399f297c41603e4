import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/ml";
import { fit, type FitOptions, type Samples } from "../../src/ml/train";
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

  /** One step (one batch) on each of two paths ends at the same weights. */
  async function assertSameStep(a: Partial<FitOptions>, b: Partial<FitOptions>, steps = 1): Promise<void> {
    const data = stripes(24 * steps, 1);
    const one = smallCnn(5);
    const two = smallCnn(5);
    assert.deepEqual(flat(one), flat(two));
    const before = flat(one);
    const opts = { seed: 3, batchSize: 24, epochs: 1, classes: 3, learningRate: 0.01, verbose: false };
    await fit(one, data, { ...opts, ...a });
    await fit(two, data, { ...opts, ...b });
    const wa = flat(one);
    const wb = flat(two);
    assert.ok(wa.some((v, i) => Math.abs(v - before[i]) > 1e-4), "the step changed the weights");
    const err = Math.max(...wa.map((v, i) => Math.abs(v - wb[i])));
    assert.ok(err < 1e-5, `max weight difference ${err}`);
  }

  it("one data-parallel step (2 worker threads) equals one single-thread step on the same batch", () => assertSameStep({ engine: "tfjs", workers: 1 }, { engine: "tfjs", workers: 2 }));

  it("ONNX Runtime steps (its graphs, Adam here) equal TensorFlow.js steps, on 1 and 2 threads", async () => {
    await assertSameStep({ engine: "tfjs", workers: 1 }, { engine: "onnxruntime", workers: 1 }, 3);
    await assertSameStep({ engine: "tfjs", workers: 1 }, { engine: "onnxruntime", workers: 2 }, 3);
  });

  it("reports the same validation loss and accuracy on both engines (classification and listwise)", async () => {
    const r = rng(11);
    const sets: Samples = { x: Float32Array.from({ length: 90 * 5 * 6 }, () => r()), y: Int32Array.from({ length: 90 }, () => Math.floor(r() * 5)), shape: [5, 6] };
    const scorer = () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }), tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] });
    const cases = [
      { model: () => smallCnn(8), train: stripes(48, 7), validation: stripes(70, 8), classes: 3, listwise: false },
      { model: scorer, train: sets, validation: sets, classes: 5, listwise: true },
    ];
    for (const c of cases) {
      const logs = [];
      for (const engine of ["tfjs", "onnxruntime"] as const) {
        const res = await fit(c.model(), c.train, { seed: 2, batchSize: 16, epochs: 1, classes: c.classes, listwise: c.listwise, learningRate: 0.01, validation: c.validation, workers: 1, engine, verbose: false });
        logs.push(res.history[0]);
      }
      const [a, b] = logs;
      assert.ok(Math.abs(a.valLoss! - b.valLoss!) < 1e-4, `listwise ${c.listwise}: val loss ${a.valLoss} vs ${b.valLoss}`);
      assert.equal(a.valAccuracy, b.valAccuracy, `listwise ${c.listwise}`);
      assert.ok(Math.abs(a.loss - b.loss) < 1e-4, `listwise ${c.listwise}: training loss ${a.loss} vs ${b.loss}`);
    }
  });

  it("picks ONNX Runtime when it can train the model, else TensorFlow.js, and says which ran", async () => {
    const data = stripes(24, 2);
    const opts = { seed: 1, batchSize: 12, epochs: 1, classes: 3, verbose: false };
    assert.match((await fit(smallCnn(1), data, opts)).backend, /onnxruntime/);
    assert.doesNotMatch((await fit(smallCnn(1), data, { ...opts, engine: "tfjs" })).backend, /onnxruntime/);
    const dropout = () => tf.sequential({ layers: [tf.layers.flatten({ inputShape: [10, 10, 1] }), tf.layers.dropout({ rate: 0.3 }), tf.layers.dense({ units: 3 })] });
    assert.doesNotMatch((await fit(dropout(), data, { ...opts, workers: 1 })).backend, /onnxruntime/);
    await assert.rejects(fit(dropout(), data, { ...opts, engine: "onnxruntime" }), /engine "onnxruntime" cannot train this model: layer dropout_\w+: dropout \(random masks\)/);
    await assert.rejects(fit(smallCnn(1), data, { ...opts, workers: 0 }), /workers must be a positive integer, not 0/);
  });

  it("follows a learning-rate schedule per epoch, in this thread and in the workers", async () => {
    // Epoch 2's step size is negligible, so two epochs must end where one epoch at the first rate ends.
    const data = stripes(48, 6);
    for (const [engine, workers] of [["tfjs", 1], ["tfjs", 2], ["onnxruntime", 2]] as const) {
      const once = smallCnn(9);
      const scheduled = smallCnn(9);
      const opts = { seed: 4, batchSize: 16, classes: 3, verbose: false, workers, engine };
      await fit(once, data, { ...opts, epochs: 1, learningRate: 0.01 });
      await fit(scheduled, data, { ...opts, epochs: 2, learningRate: (e: number) => (e === 1 ? 0.01 : 1e-20) });
      const b = flat(scheduled);
      const err = Math.max(...flat(once).map((v, i) => Math.abs(v - b[i])));
      assert.ok(err < 1e-6, `${engine}, ${workers} worker(s): max weight difference ${err}`);
    }
    await assert.rejects(fit(smallCnn(9), data, { seed: 1, batchSize: 16, epochs: 2, classes: 3, verbose: false, workers: 1, learningRate: (e) => (e === 1 ? 0.01 : 0) }), /learning rate must be positive, not 0 \(epoch 2\)/);
  });

  for (const engine of ["tfjs", "onnxruntime"] as const)
  it(`learns, validates each epoch, and is deterministic for a seed (${engine}, 2 cores)`, async () => {
    const train = stripes(300, 2);
    const validation = stripes(90, 3);
    const run = async () => {
      const m = smallCnn(7);
      const r = await fit(m, train, { seed: 1, batchSize: 32, epochs: 4, classes: 3, learningRate: 0.01, validation, workers: 2, engine, verbose: false });
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

  it("leaks no tensors across epochs, in this thread, in the workers or around ONNX Runtime", async () => {
    const train = stripes(64, 4);
    for (const [engine, workers] of [["tfjs", 1], ["tfjs", 2], ["onnxruntime", 2]] as const) {
      const tensors: number[] = [];
      await fit(smallCnn(1), train, { seed: 1, batchSize: 16, epochs: 4, classes: 3, workers, engine, verbose: false, onEpoch: (l) => tensors.push(l.tensors) });
      assert.ok(tensors.slice(1).every((t) => t === tensors[1]), `workers=${workers}: tensors per epoch ${tensors}`);
    }
  });

  it("stops early and keeps the best epoch's weights", async () => {
    const train = stripes(60, 5);
    const validation = stripes(30, 6);
    for (const engine of ["tfjs", "onnxruntime"] as const) {
      const logs: number[] = [];
      // A learning rate this high makes validation loss worsen after the first epochs.
      const m = smallCnn(2);
      const r = await fit(m, train, { seed: 1, batchSize: 60, epochs: 30, classes: 3, learningRate: 0.5, validation, earlyStopping: { patience: 2 }, workers: 1, engine, verbose: false, onEpoch: (l) => logs.push(l.valLoss!) });
      assert.equal(r.stoppedEarly, true, engine);
      assert.ok(r.history.length < 30);
      assert.equal(r.bestEpoch, logs.indexOf(Math.min(...logs)) + 1);
      // The model holds the best epoch's weights: its validation loss is the best one logged.
      const again = await fit(m, train, { seed: 1, batchSize: 60, epochs: 1, classes: 3, learningRate: 1e-30, validation, workers: 1, engine, verbose: false });
      assert.ok(Math.abs(again.history[0].valLoss! - Math.min(...logs)) < 1e-4, `${engine}: ${again.history[0].valLoss} vs best ${Math.min(...logs)}`);
    }
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
    for (const engine of ["tfjs", "onnxruntime"] as const) {
      const scorer = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
      const res = await fit(scorer, data, { seed: 1, batchSize: 32, epochs: 30, classes: 4, listwise: true, learningRate: 0.05, validation: data, workers: 2, engine, verbose: false });
      assert.ok(res.history.at(-1)!.valAccuracy! > 0.95, `${engine}: accuracy ${res.history.at(-1)!.valAccuracy}`);
    }
    const scorer = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1 })] });
    await assert.rejects(fit(scorer, data, { seed: 1, batchSize: 32, epochs: 1, classes: 3, listwise: true, verbose: false }), /sets of 4 items, but classes is 3/);
  });
});
