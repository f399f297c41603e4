import * as tf from "@tensorflow/tfjs";
import { UserError } from "../errors";
import { OnnxClassifier } from "../ml/onnx";
import { fit, type FitResult } from "../ml/train";
import { rng } from "../util/random";
import { HALF_PIXELS, HALF_WIDTH, type Halves } from "./halves";
import { halfStats, pairFits, pairShape, type GeometryRule } from "./halves-geometry";

const ROWS = 28;
/** Statistics per half (see halfStyle). */
export const STYLE_STATS = 17;
/** Features per pair: each statistic's absolute and signed difference and its mean over the two halves. */
export const STYLE_FEATURES = 3 * STYLE_STATS;

/**
 * Ink statistics of each half that one pen, one scan and one scaling leave on both halves of a digit
 * alike: the grey-level mix of its inked pixels (anti-aliasing depends on the scale factor), stroke width
 * as run lengths, edge sharpness, the share of interior pixels, how much is inked, the ink's mean row,
 * spread and slant, and the rows it spans. The cross scorer sees only the columns near the cut; these
 * summarise the whole half. n x STYLE_STATS, row-major.
 */
export function halfStyle(h: Halves): Float32Array {
  const out = new Float32Array(h.n * STYLE_STATS);
  for (let i = 0; i < h.n; i++) {
    const px = (r: number, c: number) => (r < 0 || r >= ROWS || c < 0 || c >= HALF_WIDTH ? 0 : h.pixels[i * HALF_PIXELS + r * HALF_WIDTH + c]);
    let ink = 0, sum = 0, interior = 0, edge = 0, edges = 0;
    let rowMin = ROWS, rowMax = -1, my = 0, mx = 0, myy = 0, mxy = 0; // ink-weighted moments (slant, height)
    const bins = [0, 0, 0, 0, 0]; // grey levels 1-63, 64-127, 128-191, 192-249, 250-255
    const runs = { h: [0, 0], v: [0, 0] }; // [count, total length] of runs of pixels >= 128
    for (let r = 0; r < ROWS; r++)
      for (let c = 0; c < HALF_WIDTH; c++) {
        const v = px(r, c);
        if (c + 1 < HALF_WIDTH && (v || px(r, c + 1))) {
          edge += Math.abs(v - px(r, c + 1));
          edges++;
        }
        if (!v) continue;
        rowMin = Math.min(rowMin, r);
        rowMax = r;
        my += v * r;
        mx += v * c;
        myy += v * r * r;
        mxy += v * r * c;
        ink++;
        sum += v;
        bins[v >= 250 ? 4 : v >> 6]++;
        if (px(r - 1, c) && px(r + 1, c) && px(r, c - 1) && px(r, c + 1)) interior++;
      }
    for (const [dir, lines, len] of [["h", ROWS, HALF_WIDTH], ["v", HALF_WIDTH, ROWS]] as const)
      for (let a = 0; a < lines; a++) {
        let run = 0;
        for (let b = 0; b <= len; b++) {
          const v = b === len ? 0 : dir === "h" ? px(a, b) : px(b, a);
          if (v >= 128) run++;
          else if (run) {
            runs[dir][0]++;
            runs[dir][1] += run;
            run = 0;
          }
        }
      }
    const meanRun = (x: number[]) => (x[0] ? x[1] / x[0] : 0);
    const stats = [
      ...bins.map((b) => (ink ? b / ink : 0)),
      ink ? sum / ink / 255 : 0,
      meanRun(runs.h) / 4,
      meanRun(runs.v) / 4,
      Math.min(meanRun(runs.h), meanRun(runs.v)) / 4,
      edges ? edge / edges / 255 : 0,
      ink ? interior / ink : 0,
      ink / HALF_PIXELS,
      ...(sum ? moments(sum, my, mx, myy, mxy) : [0, 0, 0]),
      rowMax >= 0 ? rowMin / ROWS : 0,
      rowMax >= 0 ? rowMax / ROWS : 0,
    ];
    out.set(stats, i * STYLE_STATS);
  }
  return out;
}

/** Mean row, row spread and slant (column change per row) of a half's ink, scaled to about 0-1. */
function moments(m: number, my: number, mx: number, myy: number, mxy: number): number[] {
  const [y, x] = [my / m, mx / m];
  const vy = Math.max(myy / m - y * y, 1e-6);
  return [y / ROWS, Math.sqrt(vy) / ROWS, (mxy / m - x * y) / vy];
}

/** Pair features for (left[rows[p]], right[cols[p]]) from both sides' halfStyle rows. */
export function styleFeatures(left: Float32Array, right: Float32Array, rows: ArrayLike<number>, cols: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * STYLE_FEATURES);
  for (let p = 0; p < rows.length; p++)
    for (let k = 0; k < STYLE_STATS; k++) {
      const a = left[rows[p] * STYLE_STATS + k];
      const b = right[cols[p] * STYLE_STATS + k];
      const o = p * STYLE_FEATURES + 3 * k;
      out[o] = Math.abs(a - b);
      out[o + 1] = a - b;
      out[o + 2] = (a + b) / 2;
    }
  return out;
}

export interface StyleScorerOptions {
  seed: number;
  epochs: number;
  /** Items per ranking set (default 16): the true pair and setSize-1 look-alikes (same digit, fitting the geometry). */
  setSize?: number;
  verbose?: boolean;
}

/**
 * Scores how alike two halves' ink is (halfStyle): a small MLP over the pair's style features, trained
 * listwise on training halves to pick the true partner among halves of the same digit that fit MNIST's
 * geometry, the look-alikes that the cross scorer confuses.
 */
export class StyleScorer {
  private constructor(readonly model: tf.Sequential) {}

  static async train(left: Halves, right: Halves, labels: ArrayLike<number>, rule: GeometryRule, o: StyleScorerOptions): Promise<{ scorer: StyleScorer; fit: FitResult }> {
    if (left.n !== right.n || labels.length !== left.n) throw new UserError(`style training needs aligned halves and labels: ${left.n} left, ${right.n} right, ${labels.length} labels`);
    const setSize = o.setSize ?? 16;
    const [ls, rs] = [halfStyle(left), halfStyle(right)];
    const [lg, rg] = [halfStats(left, "left"), halfStats(right, "right")];
    const fits = (a: number, b: number) => pairFits(rule, pairShape(lg, a, rg, b));
    const byDigit = new Map<number, number[]>();
    for (let i = 0; i < left.n; i++) {
      const pool = byDigit.get(labels[i]) ?? [];
      pool.push(i);
      byDigit.set(labels[i], pool);
    }
    const rand = rng(o.seed);
    const rows: number[] = [];
    const cols: number[] = [];
    for (let i = 0; i < left.n; i++) {
      const pool = byDigit.get(labels[i])!;
      const wrong: number[] = [];
      // Look-alikes that fit the geometry; after 200 draws, any of the digit (rare, odd shapes).
      for (let t = 0; wrong.length < setSize - 1 && t < 400; t++) {
        const j = pool[Math.floor(rand() * pool.length)];
        if (j !== i && (t >= 200 || fits(i, j))) wrong.push(j);
      }
      if (wrong.length < setSize - 1) continue;
      for (const j of [i, ...wrong]) {
        rows.push(i);
        cols.push(j);
      }
    }
    const x = styleFeatures(ls, rs, rows, cols);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [STYLE_FEATURES], units: 32, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 1 }) }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 2 }) }),
      ],
    });
    const sets = { x, y: new Int32Array(rows.length / setSize), shape: [setSize, STYLE_FEATURES] };
    const result = await fit(model, sets, { seed: o.seed, batchSize: 256, epochs: o.epochs, classes: setSize, listwise: true, learningRate: 3e-3, verbose: o.verbose ?? false });
    return { scorer: new StyleScorer(model), fit: result };
  }

  /** Score of each pair (left[rows[p]], right[cols[p]]), higher = inked more alike. */
  async scorePairs(left: Halves, right: Halves, rows: ArrayLike<number>, cols: ArrayLike<number>): Promise<Float32Array> {
    const clf = await OnnxClassifier.fromModel(this.model);
    try {
      return await clf.logits(styleFeatures(halfStyle(left), halfStyle(right), rows, cols), 65536);
    } finally {
      await clf.release();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
