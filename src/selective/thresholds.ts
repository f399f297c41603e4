import { UserError } from "../errors";

/**
 * Per-class acceptance thresholds: a prediction of class c is accepted when its score exceeds
 * thresholds[c]. Each threshold is the lowest one at which the accepted predictions of c, on this data,
 * hold at most floor(maxFpr x negatives of c) false positives, so the FPR constraint holds exactly on
 * the data it was chosen on (and -Infinity when even accepting everything meets it).
 */
export function chooseThresholds(truth: ArrayLike<number>, predicted: ArrayLike<number>, score: ArrayLike<number>, classes: number, maxFpr: number): Float64Array {
  if (truth.length !== predicted.length || truth.length !== score.length) throw new UserError(`${truth.length} labels, ${predicted.length} predictions and ${score.length} scores: they must be as many`);
  if (!(maxFpr >= 0 && maxFpr < 1)) throw new UserError(`maximum FPR must be in [0, 1), not ${maxFpr}`);
  for (let i = 0; i < score.length; i++) if (Number.isNaN(score[i])) throw new UserError(`NaN score at row ${i}`);
  const thresholds = new Float64Array(classes).fill(-Infinity);
  for (let c = 0; c < classes; c++) {
    let negatives = 0;
    const wrong: number[] = []; // scores of the false positives of c
    for (let i = 0; i < truth.length; i++) {
      if (truth[i] !== c) {
        negatives++;
        if (predicted[i] === c) wrong.push(score[i]);
      }
    }
    const allowed = Math.floor(maxFpr * negatives);
    if (wrong.length <= allowed) continue;
    wrong.sort((a, b) => b - a);
    // Accepting scores above the (allowed+1)-th highest false positive admits exactly `allowed` of them.
    thresholds[c] = wrong[allowed];
  }
  return thresholds;
}
