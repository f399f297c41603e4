/**
 * The coverage-risk curve of a confidence score: answering the samples whose score is above a threshold,
 * for every threshold, what share is answered (coverage) and what share of the answers is wrong (risk).
 * Returned at up to `points` coverages, evenly spaced in rank.
 */
export function coverageRisk(truth: ArrayLike<number>, predicted: ArrayLike<number>, score: ArrayLike<number>, points = 200): { coverage: number; risk: number; errors: number }[] {
  const n = truth.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  const out: { coverage: number; risk: number; errors: number }[] = [];
  let errors = 0;
  const step = Math.max(1, Math.floor(n / points));
  for (let k = 0; k < n; k++) {
    if (predicted[order[k]] !== truth[order[k]]) errors++;
    if ((k + 1) % step === 0 || k === n - 1) out.push({ coverage: (k + 1) / n, risk: errors / (k + 1), errors });
  }
  return out;
}

/** One class's FPR, and its count of false positives, if its predictions were accepted only above each threshold. */
export function fprByThreshold(truth: ArrayLike<number>, predicted: ArrayLike<number>, score: ArrayLike<number>, cls: number, thresholds: number[]): { threshold: number; fpr: number; falsePositives: number }[] {
  let negatives = 0;
  const wrong: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === cls) continue;
    negatives++;
    if (predicted[i] === cls) wrong.push(score[i]);
  }
  return thresholds.map((threshold) => {
    const falsePositives = wrong.filter((s) => s > threshold).length;
    return { threshold, fpr: negatives ? falsePositives / negatives : 0, falsePositives };
  });
}
