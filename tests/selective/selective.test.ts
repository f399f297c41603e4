import * as assert from "node:assert/strict";
import { binomialCdf, calibrationTarget, chooseThresholds, clopperPearson, confusionMatrix, coverage, ensembleView, negativesToCertify, NOT_SURE, perClassRates, SelectivePredictor, softmaxRows } from "../../src/selective";
import { rng } from "../../src/util/random";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("selective/metrics", () => {
  // 3 classes, 8 samples: truth and predictions (-1 = not_sure), counted by hand below.
  const truth = [0, 0, 0, 1, 1, 2, 2, 2];
  const pred = [0, 0, NOT_SURE, 1, 0, 2, NOT_SURE, 1];

  it("confusion matrix with a not_sure column, by hand", () => {
    assert.deepEqual(confusionMatrix(truth, pred, 3), [
      [2, 0, 0, 1],
      [1, 1, 0, 0],
      [0, 1, 1, 1],
    ]);
  });

  it("per-class TPR and FPR one-vs-rest, not_sure a miss and never a false positive", () => {
    const r = perClassRates(truth, pred, 3);
    // class 0: 3 positives (2 right), 5 negatives of which 1 (a 1) called 0.
    assert.deepEqual([r[0].positives, r[0].negatives, r[0].truePositives, r[0].falsePositives], [3, 5, 2, 1]);
    near(r[0].tpr, 2 / 3, 1e-12, "tpr 0");
    near(r[0].fpr, 1 / 5, 1e-12, "fpr 0");
    // class 1: 2 positives (1 right), 6 negatives, 1 false positive (a 2 called 1).
    assert.deepEqual([r[1].truePositives, r[1].falsePositives, r[1].negatives], [1, 1, 6]);
    // class 2: 3 positives (1 right), no false positives.
    assert.deepEqual([r[2].truePositives, r[2].falsePositives], [1, 0]);
    near(r[2].fprUpper95, 1 - 0.025 ** (1 / 5), 1e-9, "CP upper, 0 of 5");
    near(coverage(pred), 6 / 8, 1e-12, "coverage");
  });

  it("rejects a prediction that is neither a class nor not_sure, and mismatched lengths", () => {
    assert.throws(() => confusionMatrix([0, 1], [0, 3], 3), /prediction 3 at row 1/);
    assert.throws(() => confusionMatrix([0, 1], [0], 3), /2 labels but 1 predictions/);
  });

  it("binomial CDF and Clopper-Pearson intervals against published values", () => {
    near(binomialCdf(2, 10, 0.3), 0.3827827864, 1e-9, "P(X<=2), n 10, p .3");
    near(clopperPearson(0, 10)[1], 0.3084971, 1e-6, "0/10 upper");
    const [lo1, hi1] = clopperPearson(1, 10);
    near(lo1, 0.0025286, 1e-6, "1/10 lower");
    near(hi1, 0.4450161, 1e-6, "1/10 upper");
    const [lo5, hi5] = clopperPearson(5, 10);
    near(lo5, 0.1870860, 1e-6, "5/10 lower");
    near(hi5, 0.8129140, 1e-6, "5/10 upper");
    assert.deepEqual(clopperPearson(0, 0), [0, 1]);
  });

  it("negatives needed to certify a rate: the smallest n whose bound meets it", () => {
    const target = 0.00015;
    const n = negativesToCertify(target);
    assert.equal(n, Math.ceil(Math.log(0.025) / Math.log(1 - target)));
    assert.ok(clopperPearson(0, n)[1] <= target && clopperPearson(0, n - 1)[1] > target);
    assert.ok(negativesToCertify(target, 1) > n, "one false positive needs more negatives");
  });
});

describe("selective/thresholds and predictor", () => {
  it("thresholds meet the FPR constraint on the data they were chosen on, for many random cases", () => {
    const r = rng(3);
    for (let t = 0; t < 50; t++) {
      const n = 200 + Math.floor(r() * 800);
      const classes = 2 + Math.floor(r() * 5);
      const truth = Int32Array.from({ length: n }, () => Math.floor(r() * classes));
      const predicted = Int32Array.from(truth, (c) => (r() < 0.8 ? c : Math.floor(r() * classes)));
      const score = Float64Array.from(predicted, (p, i) => (p === truth[i] ? 0.5 : 0) + r() * (t % 5 === 0 ? 0.1 : 1));
      const maxFpr = [0, 0.001, 0.01, 0.05][t % 4];
      const th = chooseThresholds(truth, predicted, score, classes, maxFpr);
      const decided = Int32Array.from(predicted, (c, i) => (score[i] > th[c] ? c : NOT_SURE));
      for (const rates of perClassRates(truth, decided, classes)) {
        assert.ok(rates.falsePositives <= Math.floor(maxFpr * rates.negatives), `case ${t} class ${rates.cls}: ${rates.falsePositives} false positives`);
        // Lowest such threshold: lowering it to the next false positive's score would break the constraint.
        if (th[rates.cls] > -Infinity) {
          const loosened = Int32Array.from(predicted, (c, i) => (c === rates.cls ? (score[i] >= th[c] ? c : NOT_SURE) : NOT_SURE));
          assert.ok(perClassRates(truth, loosened, classes)[rates.cls].falsePositives > Math.floor(maxFpr * rates.negatives));
        }
      }
    }
  });

  it("pooled thresholds are never below the per-class ones, still meet each class's constraint, and cap the total", () => {
    // 3 classes, 10 images each; budget maxFpr 0.1 -> floor(0.1 x 20) = 2 false positives per class, 6 pooled.
    const truth = Int32Array.from({ length: 30 }, (_, i) => Math.floor(i / 10));
    const predicted = Int32Array.from(truth);
    const score = new Float64Array(30).fill(0.99);
    // Class 0: one false positive scoring 0.05 (within its budget of 2: no threshold of its own).
    // Class 1: eight false positives scoring 0.1..0.8.
    predicted[10] = 0;
    score[10] = 0.05;
    for (let k = 0; k < 8; k++) {
      predicted[20 + k] = 1;
      score[20 + k] = 0.1 * (k + 1);
    }
    const own = chooseThresholds(truth, predicted, score, 3, 0.1);
    const rounded = (t: Float64Array) => Array.from(t, (v) => Math.round(v * 1000) / 1000);
    assert.deepEqual(rounded(own), [-Infinity, 0.6, -Infinity]);
    // Pooled: 9 false positives (0.05, 0.1..0.8), 6 allowed: the 7th highest, 0.2, is the floor for every class.
    const pooled = chooseThresholds(truth, predicted, score, 3, 0.1, { pooled: true });
    assert.deepEqual(rounded(pooled), [0.2, 0.6, 0.2]);
    const r = rng(5);
    for (let t = 0; t < 30; t++) {
      const n = 300 + Math.floor(r() * 500);
      const classes = 2 + Math.floor(r() * 6);
      const tr = Int32Array.from({ length: n }, () => Math.floor(r() * classes));
      const pr = Int32Array.from(tr, (c) => (r() < 0.85 ? c : Math.floor(r() * classes)));
      const sc = Float64Array.from(pr, (p, i) => (p === tr[i] ? 0.4 : 0) + r());
      const maxFpr = [0, 0.002, 0.02][t % 3];
      const a = chooseThresholds(tr, pr, sc, classes, maxFpr);
      const b = chooseThresholds(tr, pr, sc, classes, maxFpr, { pooled: true });
      const decided = Int32Array.from(pr, (c, i) => (sc[i] > b[c] ? c : NOT_SURE));
      const rates = perClassRates(tr, decided, classes);
      for (let c = 0; c < classes; c++) {
        assert.ok(b[c] >= a[c], `case ${t} class ${c}: pooled ${b[c]} below own ${a[c]}`);
        assert.ok(rates[c].falsePositives <= Math.floor(maxFpr * rates[c].negatives));
      }
      const total = rates.reduce((x, q) => x + q.falsePositives, 0);
      assert.ok(total <= Math.floor(maxFpr * rates.reduce((x, q) => x + q.negatives, 0)), `case ${t}: ${total} false positives in all`);
    }
  });

  it("calibration target: the test budget is exceeded with at most the given risk, in whole calibration false positives", () => {
    // Test: 15,750 negatives, budget floor(0.00015 x 15,750) = 2. P(X > 2) = 0.005 at a rate near 2.14e-5,
    // which allows floor(2.14e-5 x 67,500) = 1 false positive over the pooled calibration negatives.
    const f = calibrationTarget(0.00015, 67500, 15750);
    assert.equal(Math.floor(f * 67500), 1);
    assert.ok(1 - binomialCdf(2, 15750, 1 / 67500) <= 0.005, "the whole count allowed keeps the risk");
    assert.ok(1 - binomialCdf(2, 15750, 2 / 67500) > 0.005, "one more calibration false positive would not");
    // A larger test set with a larger budget tolerates more; a stricter risk tolerates less.
    assert.ok(calibrationTarget(0.00015, 67500, 100000) > f);
    assert.ok(calibrationTarget(0.00015, 67500, 15750, 0.0001) <= f);
    // A test budget of 0 leaves no calibration false positive.
    assert.equal(Math.floor(calibrationTarget(0.00015, 18000, 3600) * 18000), 0);
    assert.throws(() => calibrationTarget(0, 100, 100), /target FPR/);
    assert.throws(() => calibrationTarget(0.001, 0, 100), /negatives/);
    assert.throws(() => calibrationTarget(0.001, 100, 100, 1), /risk/);
  });

  it("ensemble view: mean, margin, min over members and agreement, by hand", () => {
    // Two members, one sample, 3 classes.
    const a = Float32Array.from([0.7, 0.2, 0.1]);
    const b = Float32Array.from([0.4, 0.5, 0.1]);
    const v = ensembleView([a, b], 3);
    assert.equal(v.predicted[0], 0);
    near(v.mean[0], 0.55, 1e-6, "mean");
    near(v.margin[0], 0.55 - 0.35, 1e-6, "margin");
    near(v.min[0], 0.4, 1e-6, "min");
    near(v.agreement[0], 0.5, 1e-12, "agreement");
    const p = softmaxRows(Float32Array.from([0, Math.log(3)]), 2);
    near(p[0], 0.25, 1e-6, "softmax");
  });

  it("the selective predictor answers only above its class's threshold", () => {
    const probs = Float32Array.from([0.9, 0.1, 0.6, 0.4, 0.2, 0.8, 0.45, 0.55]);
    const view = ensembleView([probs], 2);
    const truth = [0, 1, 1, 0]; // the 0.6 (called 0) and the 0.55 (called 1) are wrong
    const sp = SelectivePredictor.calibrate(view, truth, 2, 0, "mean");
    assert.deepEqual(Array.from(sp.decide(view)), [0, NOT_SURE, 1, NOT_SURE]);
  });
});
