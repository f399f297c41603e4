import { UserError } from "../errors";
import { binomialCdf } from "./metrics";

/**
 * Per-class acceptance thresholds: a prediction of class c is accepted when its score exceeds
 * thresholds[c]. Each threshold is the lowest one at which the accepted predictions of c, on this data,
 * hold at most floor(maxFpr x negatives of c) false positives, so the FPR constraint holds exactly on
 * the data it was chosen on (and -Infinity when even accepting everything meets it).
 * With `pooled`, no threshold is below the one chosen the same way for all classes at once (at most
 * floor(maxFpr x all negatives) false positives over every class): when a class's budget is 0 and its
 * calibration data hold a single false positive, that one score alone would set its threshold, often far
 * too low; the pooled threshold rests on ten times the data.
 */
export function chooseThresholds(truth: ArrayLike<number>, predicted: ArrayLike<number>, score: ArrayLike<number>, classes: number, maxFpr: number, opts: { pooled?: boolean } = {}): Float64Array {
  if (truth.length !== predicted.length || truth.length !== score.length) throw new UserError(`${truth.length} labels, ${predicted.length} predictions and ${score.length} scores: they must be as many`);
  if (!(maxFpr >= 0 && maxFpr < 1)) throw new UserError(`maximum FPR must be in [0, 1), not ${maxFpr}`);
  for (let i = 0; i < score.length; i++) if (Number.isNaN(score[i])) throw new UserError(`NaN score at row ${i}`);
  const positives = new Array<number>(classes).fill(0);
  const wrong = Array.from({ length: classes }, () => [] as number[]); // scores of each class's false positives
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] >= 0 && truth[i] < classes) positives[truth[i]]++;
    if (predicted[i] !== truth[i] && predicted[i] >= 0 && predicted[i] < classes) wrong[predicted[i]].push(score[i]);
  }
  const negatives = positives.map((p) => truth.length - p);
  const floor = opts.pooled ? lowestThreshold(wrong.flat(), Math.floor(maxFpr * negatives.reduce((a, b) => a + b, 0))) : -Infinity;
  return Float64Array.from({ length: classes }, (_, c) => Math.max(floor, lowestThreshold(wrong[c], Math.floor(maxFpr * negatives[c]))));
}

/** The lowest threshold that accepts at most `allowed` of these false positives' scores (-Infinity: all of them). */
function lowestThreshold(wrong: number[], allowed: number): number {
  if (wrong.length <= allowed) return -Infinity;
  // Accepting scores above the (allowed+1)-th highest false positive admits exactly `allowed` of them.
  return [...wrong].sort((a, b) => b - a)[allowed];
}

/**
 * The FPR to choose thresholds at on calibration data so that the target still holds on a test set: the
 * highest rate at which a class with `testNegatives` negatives exceeds its test budget (floor(target x
 * testNegatives) false positives) with probability at most `risk` (exact binomial), turned into whole false
 * positives over the calibration split's pooled negatives (what chooseThresholds with `pooled` counts).
 * A plug-in margin: it treats the rate as known, so the real chance of exceeding the budget is higher by the
 * calibration estimate's own uncertainty.
 */
export function calibrationTarget(target: number, calibrationNegatives: number, testNegatives: number, risk = 0.005): number {
  if (!(target > 0 && target < 1)) throw new UserError(`target FPR must be in (0, 1), not ${target}`);
  if (!(calibrationNegatives >= 1 && testNegatives >= 1)) throw new UserError(`need negatives on both sides, got calibration ${calibrationNegatives}, test ${testNegatives}`);
  if (!(risk > 0 && risk < 1)) throw new UserError(`risk must be in (0, 1), not ${risk}`);
  const n = Math.round(testNegatives); // an average over classes may be fractional
  const budget = Math.floor(target * n);
  const over = (rate: number) => 1 - binomialCdf(budget, n, rate);
  let lo = 0;
  let hi = target;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (over(mid) <= risk) lo = mid;
    else hi = mid;
  }
  // Half a false positive above the whole count, so floor(rate x calibrationNegatives) lands on it exactly.
  return (Math.floor(lo * calibrationNegatives) + 0.5) / calibrationNegatives;
}
