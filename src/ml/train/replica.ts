import * as tf from "@tensorflow/tfjs";

/**
 * One copy of a model with its optimizer: computes the gradient of the mean softmax cross-entropy over a
 * batch as one flat Float32Array, and applies a flat gradient. The in-process trainer uses one replica;
 * the data-parallel trainer one per worker thread, all fed the same averaged gradient, so they stay equal.
 * The model maps inputs to logits; or, listwise, each sample is a set of `classes` items, the model maps
 * one item to one score, and the label says which item of the set is the right one (ranking losses).
 */
export class Replica {
  private readonly optimizer: tf.Optimizer;
  private readonly variables: tf.Variable[];
  readonly parameterCount: number;

  constructor(
    readonly model: tf.LayersModel,
    readonly classes: number,
    learningRate: number,
    readonly listwise = false,
  ) {
    this.optimizer = tf.train.adam(learningRate);
    this.variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    this.parameterCount = this.variables.reduce((a, v) => a + v.size, 0);
  }

  /** Changes the step size and keeps Adam's moment estimates (a schedule, not a restart). */
  setLearningRate(learningRate: number): void {
    (this.optimizer as unknown as { learningRate: number }).learningRate = learningRate;
  }

  private logits(x: tf.Tensor, training: boolean): tf.Tensor2D {
    if (!this.listwise) return this.model.apply(x, { training }) as tf.Tensor2D;
    const [n, items, ...item] = x.shape;
    return (this.model.apply(x.reshape([n * items, ...item]), { training }) as tf.Tensor).reshape([n, items]);
  }

  private loss(x: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
    const logits = this.logits(x, true);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(y, this.classes), logits) as tf.Scalar;
  }

  /** Mean loss and its gradient over the batch, written into `into` (length parameterCount). */
  gradients(x: Float32Array, y: Int32Array, shape: number[], into: Float32Array): number {
    const n = y.length;
    const { value, grads } = tf.tidy(() => {
      const xt = tf.tensor(x, [n, ...shape]);
      const yt = tf.tensor1d(y, "int32");
      return tf.variableGrads(() => this.loss(xt, yt), this.variables);
    });
    let offset = 0;
    for (const v of this.variables) {
      into.set(grads[v.name].dataSync() as Float32Array, offset);
      offset += v.size;
    }
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  }

  /** One optimizer step with a flat gradient. */
  apply(flat: Float32Array): void {
    const named: tf.NamedTensorMap = {};
    let offset = 0;
    for (const v of this.variables) {
      named[v.name] = tf.tensor(flat.subarray(offset, offset + v.size), v.shape);
      offset += v.size;
    }
    this.optimizer.applyGradients(named);
    tf.dispose(Object.values(named));
  }

  /** Summed loss and number of correct top-1 predictions over rows [start, start+n) of x, y. */
  evaluate(x: Float32Array, y: Int32Array | Uint8Array, shape: number[], start: number, n: number, batch = 1024): { lossSum: number; correct: number } {
    const size = shape.reduce((a, b) => a * b, 1);
    let lossSum = 0;
    let correct = 0;
    for (let b = start; b < start + n; b += batch) {
      const m = Math.min(batch, start + n - b);
      const labels = Int32Array.from(y.subarray(b, b + m));
      // tidy returns tensors, not their data: it walks a returned object's keys looking for tensors.
      const [lossT, predT] = tf.tidy(() => {
        const logits = this.logits(tf.tensor(x.subarray(b * size, (b + m) * size), [m, ...shape]), false);
        const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, "int32"), this.classes), logits, undefined, undefined, tf.Reduction.SUM);
        return [loss, logits.argMax(1)];
      });
      const ls = lossT.dataSync()[0];
      const pred = predT.dataSync();
      tf.dispose([lossT, predT]);
      lossSum += ls;
      for (let i = 0; i < m; i++) if (pred[i] === labels[i]) correct++;
    }
    return { lossSum, correct };
  }

  weights(): Float32Array[] {
    return readWeights(this.model);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Copies of a model's weights, in getWeights() order (what crosses threads and what early stopping keeps). */
export function readWeights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
}

export function writeWeights(model: tf.LayersModel, values: Float32Array[]): void {
  const shapes = model.getWeights().map((w) => w.shape);
  const tensors = values.map((v, i) => tf.tensor(v, shapes[i]));
  model.setWeights(tensors);
  tf.dispose(tensors);
}
