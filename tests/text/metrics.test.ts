import * as assert from "node:assert/strict";
import { mean, ndcgAtK, precisionAtK, reciprocalRank, recallAtK } from "../../src/text/metrics";

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

describe("text/metrics", () => {
  // Ranked list 10, 11, 12, 13, 14; relevant {11, 14, 99} (99 never retrieved).
  const ranked = [10, 11, 12, 13, 14];
  const rel = new Set([11, 14, 99]);

  it("recall@k counts relevant items found over all relevant items", () => {
    near(recallAtK(ranked, rel, 1), 0, "r@1");
    near(recallAtK(ranked, rel, 2), 1 / 3, "r@2");
    near(recallAtK(ranked, rel, 5), 2 / 3, "r@5");
    near(recallAtK(ranked, [10], 1), 1, "known item at rank 1");
    assert.ok(Number.isNaN(recallAtK(ranked, [], 5)), "no relevant items: undefined, not 0");
  });

  it("precision@k divides by k, a short list included", () => {
    near(precisionAtK(ranked, rel, 2), 1 / 2, "p@2");
    near(precisionAtK(ranked, rel, 10), 2 / 10, "p@10 of a 5-item list");
  });

  it("reciprocal rank of the first relevant item, 0 if none", () => {
    near(reciprocalRank(ranked, rel), 1 / 2, "rr");
    near(reciprocalRank(ranked, [14]), 1 / 5, "rr rank 5");
    near(reciprocalRank(ranked, [7]), 0, "rr miss");
    near(mean([reciprocalRank(ranked, [10]), reciprocalRank(ranked, [12]), reciprocalRank(ranked, [7])]), (1 + 1 / 3 + 0) / 3, "MRR");
  });

  it("nDCG@k, binary: DCG over an ideal capped at min(k, |relevant|)", () => {
    // DCG@5 = 1/log2(3) + 1/log2(6); ideal has 3 relevant: 1 + 1/log2(3) + 1/log2(4) = 1 + 0.6309.. + 0.5
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(6);
    near(ndcgAtK(ranked, rel, 5), dcg / (1 + 1 / Math.log2(3) + 0.5), "ndcg@5");
    // k = 2: DCG = 1/log2(3); ideal capped at 2 items: 1 + 1/log2(3)
    near(ndcgAtK(ranked, rel, 2), 1 / Math.log2(3) / (1 + 1 / Math.log2(3)), "ndcg@2");
    near(ndcgAtK([11, 14, 10], rel, 2), 1, "perfect top 2");
    assert.ok(Number.isNaN(ndcgAtK(ranked, new Set(), 10)));
  });

  it("nDCG@k with graded gains: linear gain, ideal from the sorted grades; grade 0 is not relevant", () => {
    const grades = new Map([[10, 1], [12, 2], [13, 0], [50, 1]]);
    // DCG@3 = 1/1 + 0 + 2/2 = 2; ideal = 2/1 + 1/log2(3) + 1/2
    near(ndcgAtK(ranked, grades, 3), 2 / (2 + 1 / Math.log2(3) + 0.5), "graded ndcg@3");
    near(precisionAtK(ranked, grades, 5), 2 / 5, "grade 0 does not count for precision");
  });

  it("mean skips NaN (queries without an answer) and rejects k < 1", () => {
    near(mean([1, NaN, 0]), 0.5, "mean");
    assert.ok(Number.isNaN(mean([])));
    assert.throws(() => recallAtK(ranked, rel, 0), /positive integer/);
  });
});
