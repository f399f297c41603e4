import * as assert from "node:assert/strict";
import { solveAssignment, solveSparseAssignment, sparseMatrix } from "../../src/assign";
import { UserError } from "../../src/errors";
import { rng } from "../../src/util/random";

/** A random sparse matrix (each pair listed with probability `density`) and its dense form with forbidden pairs. */
function randomCase(r: () => number, rows: number, cols: number, density: number, integer: boolean, maximize: boolean) {
  const ri: number[] = [];
  const ci: number[] = [];
  const vals: number[] = [];
  const dense = new Array(rows * cols).fill(maximize ? -Infinity : Infinity);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      if (r() >= density) continue;
      const v = integer ? Math.floor(r() * 4) : r() * 10 - 5;
      ri.push(i);
      ci.push(j);
      vals.push(v);
      dense[i * cols + j] = v;
    }
  // Listed in shuffled order: the builder must not rely on row order.
  const order = ri.map((_, p) => p).sort(() => r() - 0.5);
  return { sparse: sparseMatrix(rows, cols, order.map((p) => ri[p]), order.map((p) => ci[p]), order.map((p) => vals[p])), dense };
}

function denseOrNull(dense: number[], rows: number, cols: number, maximize: boolean) {
  try {
    return solveAssignment(dense, rows, cols, { maximize });
  } catch (e) {
    if (e instanceof UserError && /no feasible assignment/.test(e.message)) return null;
    throw e;
  }
}

describe("assign/sparse", () => {
  it("matches the dense solver with forbidden pairs on 400 small random candidate sets", () => {
    const r = rng(5);
    let infeasible = 0;
    for (let t = 0; t < 400; t++) {
      const rows = 1 + Math.floor(r() * 7);
      const cols = 1 + Math.floor(r() * 7);
      const maximize = t % 2 === 0;
      const { sparse, dense } = randomCase(r, rows, cols, 0.3 + 0.6 * r(), t % 3 === 0, maximize);
      const want = denseOrNull(dense, rows, cols, maximize);
      const got = solveSparseAssignment(sparse, { maximize });
      const matched = Array.from(got.rowToCol).filter((j) => j >= 0);
      assert.equal(new Set(matched).size, matched.length, "one-to-one");
      got.rowToCol.forEach((j, i) => j >= 0 && assert.equal(got.colToRow[j], i));
      if (want) {
        assert.equal(got.unassigned, 0, `case ${t}: a complete matching exists`);
        assert.ok(Math.abs(got.total - want.total) < 1e-9, `case ${t} (${rows}x${cols}): ${got.total} vs ${want.total}`);
      } else {
        infeasible++;
        assert.ok(got.unassigned > 0, `case ${t}: no complete matching, so some row is left out`);
      }
    }
    assert.ok(infeasible > 10 && infeasible < 300, `the cases mix feasible and infeasible (${infeasible} infeasible)`);
  });

  it("agrees with dense LAPJV at 1,500 x 1,500 with 40 candidates per row", () => {
    const r = rng(9);
    const n = 1500;
    const k = 40;
    const ri: number[] = [];
    const ci: number[] = [];
    const vals: number[] = [];
    const dense = new Float64Array(n * n).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const cols = new Set<number>([i]); // the diagonal keeps it feasible
      while (cols.size < k) cols.add(Math.floor(r() * n));
      for (const j of cols) {
        const v = r();
        ri.push(i);
        ci.push(j);
        vals.push(v);
        dense[i * n + j] = v;
      }
    }
    const got = solveSparseAssignment(sparseMatrix(n, n, ri, ci, vals), { maximize: true });
    const want = solveAssignment(dense, n, n, { maximize: true });
    assert.equal(got.unassigned, 0);
    assert.ok(Math.abs(got.total - want.total) < 1e-6, `${got.total} vs ${want.total}`);
  });

  it("handles rectangular input both ways and ties", () => {
    // 3 rows, 2 columns: the best two rows win the columns.
    const tall = solveSparseAssignment(sparseMatrix(3, 2, [0, 0, 1, 2], [0, 1, 0, 1], [1, 1, 5, 4]), { maximize: true });
    assert.deepEqual(Array.from(tall.rowToCol), [-1, 0, 1]);
    assert.equal(tall.total, 9);
    assert.equal(tall.unassigned, 0, "both columns are matched");
    const starved = solveSparseAssignment(sparseMatrix(2, 2, [0, 1], [0, 0], [1, 2]));
    assert.equal(starved.unassigned, 1, "two rows compete for their only column");
    const wide = solveSparseAssignment(sparseMatrix(2, 3, [0, 0, 1, 1], [0, 2, 0, 2], [2, 2, 2, 2]));
    assert.equal(wide.unassigned, 0);
    assert.equal(wide.total, 4);
    assert.notEqual(wide.rowToCol[0], wide.rowToCol[1]);
  });

  it("rejects NaN, repeated pairs and out-of-range entries, naming them", () => {
    assert.throws(() => sparseMatrix(2, 2, [0, 1], [0, 1], [1, NaN]), /NaN at row 1, column 1/);
    assert.throws(() => sparseMatrix(2, 2, [0, 0], [1, 1], [1, 2]), /pair \(0, 1\) is listed twice/);
    assert.throws(() => sparseMatrix(2, 2, [0, 2], [0, 1], [1, 2]), /entry 1 at \(2, 1\) is outside the 2 x 2 matrix/);
    assert.throws(() => sparseMatrix(2, 2, [0], [0, 1], [1]), UserError);
  });
});
