/**
 * Adam over flat Float32Arrays, step for step what tf.train.adam computes (same defaults, bias correction
 * and epsilon). Hand-written because the ONNX Runtime trainer keeps its weights in plain arrays between
 * calls: TensorFlow.js's optimizer would copy them into tensors and back on every step.
 */
export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    shapes: number[],
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-7,
  ) {
    this.m = shapes.map((n) => new Float32Array(n));
    this.v = shapes.map((n) => new Float32Array(n));
    this.accBeta1 = beta1;
    this.accBeta2 = beta2;
  }

  /** Updates each weight array in place from its gradient. */
  apply(weights: Float32Array[], grads: ArrayLike<number>[]): void {
    const { beta1: b1, beta2: b2, epsilon } = this;
    const c1 = 1 - this.accBeta1;
    const c2 = 1 - this.accBeta2;
    const lr = this.learningRate;
    weights.forEach((w, k) => {
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < w.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
      }
    });
    this.accBeta1 *= b1;
    this.accBeta2 *= b2;
  }
}
