import * as assert from "node:assert/strict";
import { candidatePairs, greedyAssignment, pairRecall, recallAtK, topK } from "../../src/assign";
import { rng } from "../../src/util/random";

/** Greedy by definition: all pairs sorted by score (then row, then column), taken while both ends are free. */
function naiveGreedy(s: number[], n: number): number[] {
  const pairs = Array.from({ length: n * n }, (_, k) => ({ i: Math.floor(k / n), j: k % n, v: s[k] }));
  pairs.sort((a, b) => b.v - a.v || a.i - b.i || a.j - b.j);
  const row = new Array(n).fill(-1);
  const taken = new Set<number>();
  for (const p of pairs) {
    if (row[p.i] >= 0 || taken.has(p.j)) continue;
    row[p.i] = p.j;
    taken.add(p.j);
  }
  return row;
}

describe("assign/candidates", () => {
  it("top-k keeps each row's k best columns, best first, earlier column on ties", () => {
    const s = [0.1, 0.9, 0.5, 0.9, /* row 1 */ 3, 1, 2, 0];
    assert.deepEqual(Array.from(topK(s, 2, 4, 3)), [1, 3, 2, 0, 2, 1]);
    assert.throws(() => topK(s, 2, 4, 5), /k must be between 1 and the 4 columns/);
    assert.equal(recallAtK(topK(s, 2, 4, 2), 2, [3, 1]), 0.5);
  });

  it("greedy matches the definition on 200 random matrices, with ties and exhausted candidate lists", () => {
    const r = rng(31);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(r() * 25);
      const s = Array.from({ length: n * n }, () => (t % 2 ? Math.floor(r() * 5) : r()));
      const k = 1 + Math.floor(r() * Math.min(n, 4));
      assert.deepEqual(Array.from(greedyAssignment(s, n, k)), naiveGreedy(s, n), `case ${t} (n=${n}, k=${k})`);
    }
  });

  it("candidate pairs unite each row's and each column's k best, skip ruled-out pairs, sorted and distinct", () => {
    const r = rng(8);
    for (let t = 0; t < 50; t++) {
      const rows = 1 + Math.floor(r() * 9);
      const cols = 1 + Math.floor(r() * 9);
      const k = 1 + Math.floor(r() * 3);
      const s = Array.from({ length: rows * cols }, () => (r() < 0.2 ? -Infinity : Math.floor(r() * 5)));
      const got = candidatePairs(s, rows, cols, k);
      const want = new Set<number>();
      // By definition, with the same tie-breaks as topK: earlier index first.
      for (let i = 0; i < rows; i++)
        Array.from({ length: cols }, (_, j) => j)
          .sort((a, b) => s[i * cols + b] - s[i * cols + a] || a - b)
          .slice(0, k)
          .forEach((j) => s[i * cols + j] > -Infinity && want.add(i * cols + j));
      for (let j = 0; j < cols; j++)
        Array.from({ length: rows }, (_, i) => i)
          .sort((a, b) => s[b * cols + j] - s[a * cols + j] || a - b)
          .slice(0, k)
          .forEach((i) => s[i * cols + j] > -Infinity && want.add(i * cols + j));
      const keys = Array.from(got.rows, (i, p) => i * cols + got.cols[p]);
      assert.deepEqual(keys, [...want].sort((a, b) => a - b), `case ${t}`);
    }
    const c = candidatePairs([5, 1, 0, /* row 1 */ 4, 3, -Infinity], 2, 3, 1);
    // Row bests (0,0) and (1,0); column bests (0,0), (1,1), (0,2).
    assert.deepEqual([Array.from(c.rows), Array.from(c.cols)], [[0, 0, 1, 1], [0, 2, 0, 1]]);
    assert.equal(pairRecall(c, [2, 1]), 1);
    assert.equal(pairRecall(c, [1, 2]), 0);
  });
});
