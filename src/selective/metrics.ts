import { UserError } from "../errors";

/** The prediction that declines to answer. */
export const NOT_SURE = -1;

function check(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): void {
  if (truth.length !== predicted.length) throw new UserError(`${truth.length} labels but ${predicted.length} predictions`);
  for (let i = 0; i < truth.length; i++) {
    if (!(Number.isInteger(truth[i]) && truth[i] >= 0 && truth[i] < classes)) throw new UserError(`label ${truth[i]} at row ${i} is not a class 0-${classes - 1}`);
    const p = predicted[i];
    if (!(p === NOT_SURE || (Number.isInteger(p) && p >= 0 && p < classes))) throw new UserError(`prediction ${p} at row ${i} is neither a class 0-${classes - 1} nor not_sure (${NOT_SURE})`);
  }
}

/** counts[t][p]: samples of true class t predicted p; column `classes` (the last) counts not_sure. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  check(truth, predicted, classes);
  const m = Array.from({ length: classes }, () => new Array<number>(classes + 1).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][predicted[i] === NOT_SURE ? classes : predicted[i]]++;
  return m;
}

export interface ClassRates {
  cls: number;
  /** Samples of this class, and of every other class (the negatives a false positive comes from). */
  positives: number;
  negatives: number;
  truePositives: number;
  falsePositives: number;
  /** Share of the class answered correctly (not_sure counts as a miss). */
  tpr: number;
  /** Share of the negatives wrongly answered as this class. */
  fpr: number;
  /** Upper end of the 95% Clopper-Pearson interval for the FPR. */
  fprUpper95: number;
}

/** Per-class TPR and FPR in the one-vs-rest sense, with exact counts and the FPR's Clopper-Pearson bound. */
export function perClassRates(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassRates[] {
  const m = confusionMatrix(truth, predicted, classes);
  const total = truth.length;
  return m.map((row, c) => {
    const positives = row.reduce((a, b) => a + b, 0);
    const negatives = total - positives;
    const falsePositives = m.reduce((a, r, t) => a + (t === c ? 0 : r[c]), 0);
    return {
      cls: c,
      positives,
      negatives,
      truePositives: row[c],
      falsePositives,
      tpr: positives ? row[c] / positives : 0,
      fpr: negatives ? falsePositives / negatives : 0,
      fprUpper95: clopperPearson(falsePositives, negatives, 0.95)[1],
    };
  });
}

/** Share of samples answered (not not_sure). */
export function coverage(predicted: ArrayLike<number>): number {
  let answered = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] !== NOT_SURE) answered++;
  return predicted.length ? answered / predicted.length : 0;
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7): about 15 significant digits, plenty for binomial tails. */
function logGamma(x: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = g[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += g[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X <= k) for X ~ Binomial(n, p), summed term by term in log space. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k >= n || p <= 0) return 1;
  if (p >= 1) return 0;
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return Math.min(1, s);
}

/**
 * The exact (Clopper-Pearson) two-sided confidence interval for a binomial proportion after k successes in
 * n trials: each end solves a binomial tail equation, found here by bisection on the exact CDF (a few
 * lines, so no statistics package for it).
 */
export function clopperPearson(k: number, n: number, confidence = 0.95): [number, number] {
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && k <= n)) throw new UserError(`need whole numbers 0 <= k <= n, got k ${k}, n ${n}`);
  if (n === 0) return [0, 1];
  const alpha = 1 - confidence;
  const solve = (f: (p: number) => number) => {
    // f falls from positive to negative over [0, 1]; 60 halvings reach double precision.
    let lo = 0;
    let hi = 1;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const upper = k === n ? 1 : solve((p) => binomialCdf(k, n, p) - alpha / 2);
  const lower = k === 0 ? 0 : solve((p) => alpha / 2 - (1 - binomialCdf(k - 1, n, p)));
  return [lower, upper];
}

/** Fewest negatives with at most k false positives whose 95% Clopper-Pearson upper bound is at most target. */
export function negativesToCertify(target: number, k = 0, confidence = 0.95): number {
  if (!(target > 0 && target < 1)) throw new UserError(`target rate must be in (0, 1), not ${target}`);
  let lo = k + 1;
  let hi = lo;
  while (clopperPearson(k, hi, confidence)[1] > target) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (clopperPearson(k, mid, confidence)[1] <= target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
