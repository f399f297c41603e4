import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { permutation } from "../util/random";
import { HALF_PIXELS, type Halves } from "./halves";

export interface TwoTowerOptions {
  seed: number;
  epochs: number;
  batchSize?: number;
  hidden?: number;
  embedding?: number;
  /** Softmax temperature of the in-batch contrastive loss. */
  temperature?: number;
  learningRate?: number;
  verbose?: boolean;
}

type Tower = { w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable };

function tower(seed: number, hidden: number, embedding: number): Tower {
  const init = (shape: number[], s: number) => tf.variable(tf.initializers.glorotUniform({ seed: s }).apply(shape) as tf.Tensor);
  return { w1: init([HALF_PIXELS, hidden], seed), b1: tf.variable(tf.zeros([hidden])), w2: init([hidden, embedding], seed + 1), b2: tf.variable(tf.zeros([embedding])) };
}

function embedWith(t: Tower, x: tf.Tensor2D): tf.Tensor2D {
  const h = tf.relu(tf.matMul(x, t.w1).add(t.b1));
  const e = tf.matMul(h, t.w2).add(t.b2) as tf.Tensor2D;
  return tf.div(e, tf.norm(e, 2, 1, true).add(1e-6)) as tf.Tensor2D;
}

function toFloat(h: Halves, start = 0, n = h.n): Float32Array {
  const out = new Float32Array(n * HALF_PIXELS);
  const src = h.pixels.subarray(start * HALF_PIXELS, (start + n) * HALF_PIXELS);
  for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  return out;
}

/**
 * The fast scorer: one MLP per side maps a half to a unit vector, and a pair's score is the cosine of the
 * two. Scores for all n x m pairs are one matrix product, so it can rank every right half for every left
 * half (the candidates the cross scorer then re-scores). Trained contrastively: in a batch of aligned
 * pairs, each left half must pick its own right half among the batch's, and each right half its left.
 */
export class TwoTower {
  private constructor(
    private readonly left: Tower,
    private readonly right: Tower,
  ) {}

  static train(left: Halves, right: Halves, o: TwoTowerOptions): { model: TwoTower; losses: number[] } {
    if (left.n !== right.n) throw new UserError(`two-tower training needs aligned pairs: ${left.n} left halves, ${right.n} right halves`);
    const batch = o.batchSize ?? 512;
    const hidden = o.hidden ?? 512;
    const embedding = o.embedding ?? 128;
    const temperature = o.temperature ?? 0.05;
    const model = new TwoTower(tower(o.seed, hidden, embedding), tower(o.seed + 2, hidden, embedding));
    const optimizer = tf.train.adam(o.learningRate ?? 1e-3);
    const xl = toFloat(left);
    const xr = toFloat(right);
    const losses: number[] = [];
    const n = left.n;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      const order = permutation(n, o.seed * 7919 + epoch);
      let sum = 0;
      let steps = 0;
      // Full batches only: the in-batch negatives should be as many in every step.
      for (let s = 0; s + batch <= n; s += batch) {
        const bl = new Float32Array(batch * HALF_PIXELS);
        const br = new Float32Array(batch * HALF_PIXELS);
        for (let i = 0; i < batch; i++) {
          const r = order[s + i];
          bl.set(xl.subarray(r * HALF_PIXELS, (r + 1) * HALF_PIXELS), i * HALF_PIXELS);
          br.set(xr.subarray(r * HALF_PIXELS, (r + 1) * HALF_PIXELS), i * HALF_PIXELS);
        }
        const loss = tf.tidy(() => {
          const tl = tf.tensor2d(bl, [batch, HALF_PIXELS]);
          const tr = tf.tensor2d(br, [batch, HALF_PIXELS]);
          const labels = tf.oneHot(tf.range(0, batch, 1, "int32"), batch);
          return optimizer.minimize(() => {
            const logits = tf.matMul(embedWith(model.left, tl), embedWith(model.right, tr), false, true).div(temperature);
            const a = tf.losses.softmaxCrossEntropy(labels, logits);
            const b = tf.losses.softmaxCrossEntropy(labels, logits.transpose());
            return a.add(b).div(2) as tf.Scalar;
          }, true) as tf.Scalar;
        });
        sum += loss.dataSync()[0];
        loss.dispose();
        steps++;
      }
      losses.push(sum / steps);
      if (o.verbose ?? true) console.log(`two-tower epoch ${epoch}/${o.epochs}  loss ${(sum / steps).toFixed(4)}  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    optimizer.dispose();
    return { model, losses };
  }

  /** Unit embeddings of halves from one side, n x embedding, in blocks to bound memory. */
  embed(h: Halves, side: "left" | "right", block = 4096): { data: Float32Array; dim: number } {
    const t = side === "left" ? this.left : this.right;
    const dim = t.w2.shape[1] as number;
    const out = new Float32Array(h.n * dim);
    for (let s = 0; s < h.n; s += block) {
      const m = Math.min(block, h.n - s);
      const e = tf.tidy(() => embedWith(t, tf.tensor2d(toFloat(h, s, m), [m, HALF_PIXELS])));
      out.set(e.dataSync() as Float32Array, s * dim);
      e.dispose();
    }
    return { data: out, dim };
  }

  /** Cosine score of every (left, right) pair: a dense left.n x right.n matrix, row = left half. */
  scores(left: Halves, right: Halves): Float32Array {
    const l = this.embed(left, "left");
    const r = this.embed(right, "right");
    const s = tf.tidy(() => tf.matMul(tf.tensor2d(l.data, [left.n, l.dim]), tf.tensor2d(r.data, [right.n, r.dim]), false, true));
    const out = s.dataSync() as Float32Array;
    s.dispose();
    return out;
  }

  dispose(): void {
    for (const t of [this.left, this.right]) tf.dispose(Object.values(t));
  }
}
