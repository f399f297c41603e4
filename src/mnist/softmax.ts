import * as tf from "@tensorflow/tfjs";
import { MNIST_PIXELS, type MnistSplit } from "../data/mnist";
import { permutation } from "../util/random";

/**
 * Multinomial logistic regression on raw pixels: the simplest honest MNIST baseline (about 92% in the
 * literature), trained with seeded initialisation and a seeded shuffle so reruns give the same figures.
 */
export interface SoftmaxResult {
  testAccuracy: number;
  trainSeconds: number;
}

function toTensors(split: MnistSplit, order?: Uint32Array): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const n = split.n;
  const x = new Float32Array(n * MNIST_PIXELS);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const src = order ? order[i] : i;
    for (let p = 0; p < MNIST_PIXELS; p++) x[i * MNIST_PIXELS + p] = split.images[src * MNIST_PIXELS + p] / 255;
    y[i] = split.labels[src];
  }
  return { x: tf.tensor2d(x, [n, MNIST_PIXELS]), y: tf.tensor1d(y) };
}

export async function trainSoftmax(train: MnistSplit, test: MnistSplit, o: { epochs: number; seed: number }): Promise<SoftmaxResult> {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [MNIST_PIXELS], units: 10, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed }) })],
  });
  model.compile({ optimizer: tf.train.adam(0.005), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const tr = toTensors(train, permutation(train.n, o.seed));
  const te = toTensors(test);
  try {
    const t0 = Date.now();
    await model.fit(tr.x, tr.y, { epochs: o.epochs, batchSize: 128, shuffle: false, verbose: 0 });
    const trainSeconds = (Date.now() - t0) / 1000;
    const pred = tf.tidy(() => (model.predict(te.x) as tf.Tensor2D).argMax(1));
    const predicted = await pred.data();
    pred.dispose();
    let correct = 0;
    for (let i = 0; i < test.n; i++) if (predicted[i] === test.labels[i]) correct++;
    return { testAccuracy: correct / test.n, trainSeconds };
  } finally {
    tf.dispose([tr.x, tr.y, te.x, te.y]);
    model.dispose();
  }
}
