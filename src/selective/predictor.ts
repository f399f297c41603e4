import { UserError } from "../errors";
import { NOT_SURE } from "./metrics";
import { chooseThresholds } from "./thresholds";

/** Row-wise softmax of n x classes logits, in place-free Float32 (stable: the row maximum is subtracted). */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let o = 0; o < logits.length; o += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[o + c] = Math.exp(logits[o + c] - max);
    for (let c = 0; c < classes; c++) out[o + c] /= sum;
  }
  return out;
}

/** What an ensemble says about each sample: its class and three confidence scores for that class. */
export interface EnsembleView {
  predicted: Int32Array;
  /** Ensemble-averaged probability of the predicted class. */
  mean: Float64Array;
  /** Averaged probability of the predicted class minus that of the runner-up. */
  margin: Float64Array;
  /** Lowest probability any member gives the predicted class: high only when every member agrees, confidently. */
  min: Float64Array;
  /** Share of members whose own top class is the predicted one. */
  agreement: Float64Array;
}

export type ScoreKind = "mean" | "margin" | "min";

/** Combines members' probabilities (each n x classes) into the ensemble's class and confidence scores. */
export function ensembleView(members: Float32Array[], classes: number): EnsembleView {
  if (members.length === 0) throw new UserError("an ensemble needs at least one member");
  const len = members[0].length;
  for (const m of members) if (m.length !== len) throw new UserError(`members disagree on size: ${m.length} vs ${len} probabilities`);
  const n = len / classes;
  const v: EnsembleView = { predicted: new Int32Array(n), mean: new Float64Array(n), margin: new Float64Array(n), min: new Float64Array(n), agreement: new Float64Array(n) };
  const avg = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    avg.fill(0);
    for (const m of members) for (let c = 0; c < classes; c++) avg[c] += m[i * classes + c] / members.length;
    let best = 0;
    for (let c = 1; c < classes; c++) if (avg[c] > avg[best]) best = c;
    let second = -Infinity;
    for (let c = 0; c < classes; c++) if (c !== best) second = Math.max(second, avg[c]);
    let min = Infinity;
    let agree = 0;
    for (const m of members) {
      const p = m[i * classes + best];
      min = Math.min(min, p);
      let top = 0;
      for (let c = 1; c < classes; c++) if (m[i * classes + c] > m[i * classes + top]) top = c;
      if (top === best) agree++;
    }
    v.predicted[i] = best;
    v.mean[i] = avg[best];
    v.margin[i] = avg[best] - second;
    v.min[i] = min;
    v.agreement[i] = agree / members.length;
  }
  return v;
}

/**
 * Answers a digit or not_sure: the ensemble's class when its confidence score clears that class's
 * threshold, chosen on a calibration split so that each class's FPR there is at most maxFpr.
 */
export class SelectivePredictor {
  private constructor(
    readonly kind: ScoreKind,
    readonly thresholds: Float64Array,
  ) {}

  static calibrate(view: EnsembleView, truth: ArrayLike<number>, classes: number, maxFpr: number, kind: ScoreKind, opts: { pooled?: boolean } = {}): SelectivePredictor {
    return new SelectivePredictor(kind, chooseThresholds(truth, view.predicted, view[kind], classes, maxFpr, opts));
  }

  decide(view: EnsembleView): Int32Array {
    const score = view[this.kind];
    return Int32Array.from(view.predicted, (c, i) => (score[i] > this.thresholds[c] ? c : NOT_SURE));
  }
}
