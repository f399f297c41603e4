import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { referenceCnn } from "../ml/models";
import { OnnxClassifier } from "../ml/onnx";
import { fit, type FitOptions, type FitResult, type Samples } from "../ml/train";
import { rng } from "../util/random";
import { HALF_PIXELS, HALF_WIDTH, type Halves } from "./halves";

const ROWS = 28;

/**
 * Pairs as model input: for each pair (left[rows[p]], right[cols[p]]) the re-joined image's `band`
 * columns either side of the cut (band 14: the whole 28x28 image), shape [28, 2*band, 1], scaled to 0-1;
 * moved down `shift` rows (up if negative), blank rows shifted in.
 */
export function joinedBands(left: Halves, right: Halves, rows: ArrayLike<number>, cols: ArrayLike<number>, band: number, shift = 0): Float32Array {
  if (!(Number.isInteger(band) && band >= 1 && band <= HALF_WIDTH)) throw new UserError(`band must be 1-${HALF_WIDTH} columns, not ${band}`);
  if (!(Number.isInteger(shift) && Math.abs(shift) < ROWS)) throw new UserError(`shift must be an integer within ±${ROWS - 1} rows, not ${shift}`);
  if (rows.length !== cols.length) throw new UserError(`${rows.length} left indices but ${cols.length} right indices`);
  const w = 2 * band;
  const out = new Float32Array(rows.length * ROWS * w);
  for (let p = 0; p < rows.length; p++) {
    const a = rows[p];
    const b = cols[p];
    if (!(a >= 0 && a < left.n && b >= 0 && b < right.n)) throw new UserError(`pair ${p} (${a}, ${b}) names a half outside the ${left.n} left and ${right.n} right halves`);
    for (let r = Math.max(0, shift); r < Math.min(ROWS, ROWS + shift); r++) {
      const o = (p * ROWS + r) * w;
      const l = a * HALF_PIXELS + (r - shift) * HALF_WIDTH + HALF_WIDTH - band;
      const rr = b * HALF_PIXELS + (r - shift) * HALF_WIDTH;
      for (let c = 0; c < band; c++) {
        out[o + c] = left.pixels[l + c] / 255;
        out[o + band + c] = right.pixels[rr + c] / 255;
      }
    }
  }
  return out;
}

/**
 * Ranking sets for training from aligned halves (left i belongs with right i): for each left half, its
 * true right half first, then `setSize - 1` wrong ones drawn from its candidates (the fast scorer's top-k),
 * the look-alikes the cross scorer must tell apart at test time. Label 0: the true item's index.
 */
export function rankingSets(left: Halves, right: Halves, truth: ArrayLike<number>, candidates: Int32Array, k: number, setSize: number, band: number, seed: number): Samples {
  const n = truth.length;
  if (candidates.length !== n * k) throw new UserError(`${candidates.length} candidates for ${n} rows x ${k}`);
  if (setSize < 2 || setSize > k) throw new UserError(`set size must be 2-${k} (the candidates per row), not ${setSize}`);
  const rand = rng(seed);
  const rows = new Int32Array(n * setSize);
  const cols = new Int32Array(n * setSize);
  for (let i = 0; i < n; i++) {
    const wrong = Array.from(candidates.subarray(i * k, (i + 1) * k)).filter((j) => j !== truth[i]);
    rows.fill(i, i * setSize, (i + 1) * setSize);
    cols[i * setSize] = truth[i];
    for (let t = 0; t < setSize - 1; t++) {
      const pick = t + Math.floor(rand() * (wrong.length - t));
      [wrong[t], wrong[pick]] = [wrong[pick], wrong[t]];
      cols[i * setSize + 1 + t] = wrong[t];
    }
  }
  return { x: joinedBands(left, right, rows, cols, band), y: new Int32Array(n), shape: [setSize, ROWS, 2 * band, 1] };
}

function mlp(seed: number, band: number, hidden: readonly number[]): tf.Sequential {
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  return tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [ROWS, 2 * band, 1] }),
      ...hidden.map((units) => tf.layers.dense({ units, activation: "relu", kernelInitializer: init() })),
      tf.layers.dense({ units: 1, kernelInitializer: init() }),
    ],
  });
}

export interface CrossScorerOptions extends Omit<FitOptions, "classes" | "listwise"> {
  modelSeed: number;
  band: number;
  /** "mlp": dense layers of `hidden` units over the flattened band; "cnn": the reference CNN with one output. */
  arch?: "mlp" | "cnn";
  hidden?: readonly number[];
}

/**
 * The strong scorer: a network (the reference CNN, or an MLP) that sees the re-joined image around the
 * cut (or all of it) and scores how well the two halves belong together, so it can judge strokes crossing
 * the cut pixel by pixel; the CNN's local filters generalise far better than an MLP here. Trained
 * listwise (softmax over a true pair and its look-alikes, with fit()). Too slow for all
 * 10^8 pairs, it re-scores candidates; inference by ONNX Runtime on every core.
 */
export class CrossScorer {
  private constructor(
    readonly model: tf.Sequential,
    readonly band: number,
  ) {}

  static async train(sets: Samples, o: CrossScorerOptions): Promise<{ scorer: CrossScorer; fit: FitResult }> {
    const [setSize, rows, width] = sets.shape;
    if (rows !== ROWS || width !== 2 * o.band) throw new UserError(`sets of shape ${sets.shape.join("x")} do not hold bands of ${o.band} columns`);
    if (o.arch === "cnn" && o.band < 5) throw new UserError(`the CNN cross scorer needs a band of at least 5 columns, not ${o.band}`);
    const model = o.arch === "cnn" ? referenceCnn(o.modelSeed, [ROWS, 2 * o.band, 1], 1) : mlp(o.modelSeed, o.band, o.hidden ?? [512, 256]);
    const result = await fit(model, sets, { ...o, classes: setSize, listwise: true });
    return { scorer: new CrossScorer(model, o.band), fit: result };
  }

  /**
   * Score of each pair (left[rows[p]], right[cols[p]]), higher = more likely true; in chunks to bound
   * memory. With several `shifts` (rows the joined image is moved down; default [0]), the mean score over
   * those views: test-time augmentation.
   */
  async scorePairs(left: Halves, right: Halves, rows: ArrayLike<number>, cols: ArrayLike<number>, shifts: readonly number[] = [0], chunk = 65536): Promise<Float32Array> {
    if (!shifts.length) throw new UserError("scorePairs needs at least one view (shift)");
    const clf = await OnnxClassifier.fromModel(this.model);
    const out = new Float32Array(rows.length);
    try {
      for (let s = 0; s < rows.length; s += chunk) {
        const e = Math.min(rows.length, s + chunk);
        const [r, c] = [Array.prototype.slice.call(rows, s, e), Array.prototype.slice.call(cols, s, e)];
        for (const shift of shifts) {
          const logits = await clf.logits(joinedBands(left, right, r, c, this.band, shift), 4096);
          for (let p = 0; p < logits.length; p++) out[s + p] += logits[p] / shifts.length;
        }
      }
    } finally {
      await clf.release();
    }
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
}
