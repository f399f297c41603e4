import * as assert from "node:assert/strict";
import { lapjv, solveAssignment } from "../../src/assign";
import { sparseCertified } from "../../src/assign/dense";
import { UserError } from "../../src/errors";
import { rng } from "../../src/util/random";

/** The best total over every way to assign min(rows, cols) pairs, by brute force. */
function bruteForce(m: number[], rows: number, cols: number, maximize = false): number {
  let best = maximize ? -Infinity : Infinity;
  const used = new Array(cols).fill(false);
  const k = Math.min(rows, cols);
  // Choose which rows take part when rows > cols, by trying all partial assignments with skips.
  const go = (i: number, assigned: number, total: number) => {
    if (assigned === k) {
      best = maximize ? Math.max(best, total) : Math.min(best, total);
      return;
    }
    if (i === rows) return;
    if (rows - i > k - assigned) go(i + 1, assigned, total); // skip row i
    for (let j = 0; j < cols; j++) {
      const v = m[i * cols + j];
      if (used[j] || !Number.isFinite(v)) continue;
      used[j] = true;
      go(i + 1, assigned + 1, total + v);
      used[j] = false;
    }
  };
  go(0, 0, 0);
  return best;
}

function checkValid(a: { rowToCol: Int32Array; colToRow: Int32Array }, rows: number, cols: number): void {
  const assigned = Array.from(a.rowToCol).filter((j) => j >= 0);
  assert.equal(assigned.length, Math.min(rows, cols), "every row (or column) of the smaller side is assigned");
  assert.equal(new Set(assigned).size, assigned.length, "one-to-one");
  a.rowToCol.forEach((j, i) => {
    if (j >= 0) assert.equal(a.colToRow[j], i);
  });
}

describe("assign/lapjv", () => {
  it("is optimal against brute force on 300 small random matrices, square and rectangular", () => {
    const r = rng(21);
    for (let t = 0; t < 300; t++) {
      const rows = 1 + Math.floor(r() * 6);
      const cols = 1 + Math.floor(r() * 6);
      const integer = t % 3 === 0; // many ties
      const m = Array.from({ length: rows * cols }, () => (integer ? Math.floor(r() * 4) : r() * 10 - 5));
      const maximize = t % 2 === 1;
      const expected = bruteForce(m, rows, cols, maximize);
      for (const method of ["auto", "lapjv"] as const) {
        const a = solveAssignment(m, rows, cols, { maximize, method });
        checkValid(a, rows, cols);
        assert.ok(Math.abs(a.total - expected) < 1e-9, `case ${t} (${rows}x${cols}, ${maximize ? "max" : "min"}, ${method}): ${a.total} vs ${expected}`);
      }
      // Small matrices go to the sparse solver whole; the certified sparse-first path must be optimal too.
      const certified = rows === cols ? sparseCertified(m, rows, maximize ? -1 : 1, 1e9, 1e-9) : null;
      if (certified) assert.ok(Math.abs(certified.total - expected) < 1e-9, `case ${t} certified: ${certified.total} vs ${expected}`);
    }
  });

  it("handles all-equal costs (every assignment ties)", () => {
    const a = solveAssignment(new Array(25).fill(3), 5, 5);
    checkValid(a, 5, 5);
    assert.equal(a.total, 15);
  });

  it("respects forbidden pairs, and says when no assignment avoids them", () => {
    const I = Infinity;
    // The diagonal would be best, but it is forbidden.
    const m = [0, 5, 9, 7, 0, 4, 6, 8, I];
    const a = solveAssignment(m, 3, 3);
    assert.notEqual(a.rowToCol[2], 2);
    assert.equal(a.total, bruteForce(m, 3, 3));
    const r = rng(5);
    for (let t = 0; t < 100; t++) {
      const n = 2 + Math.floor(r() * 5);
      const mm = Array.from({ length: n * n }, () => (r() < 0.3 ? I : Math.floor(r() * 9)));
      const best = bruteForce(mm, n, n);
      for (const method of ["auto", "lapjv"] as const) {
        if (best === Infinity) assert.throws(() => solveAssignment(mm, n, n, { method }), /no feasible assignment/);
        else assert.equal(solveAssignment(mm, n, n, { method }).total, best, `case ${t} (${method})`);
      }
    }
    assert.throws(() => solveAssignment([I, I, I, 1], 2, 2), (e: Error) => e instanceof UserError && /no feasible assignment/.test(e.message));
    assert.equal(solveAssignment([-I, 1, 2, -I], 2, 2, { maximize: true }).total, 3);
  });

  it("rejects NaN and mis-sized input, naming where", () => {
    assert.throws(() => solveAssignment([1, 2, 3, Number.NaN], 2, 2), /NaN at row 1, column 1 of the 2 x 2 matrix/);
    assert.throws(() => solveAssignment([1, 2, 3], 2, 2), /3 entries, expected 2 x 2 = 4/);
    assert.throws(() => solveAssignment([1, -Infinity, 3, 4], 2, 2), /only Infinity marks a forbidden pair/);
  });

  it("solves 600 x 600 problems sparse-first with the same optimum as plain LAPJV, forbidden pairs included", () => {
    const r = rng(13);
    const n = 600;
    for (const kind of ["uniform", "integer", "scores", "forbidden", "low-rank"]) {
      const m = new Float32Array(n * n);
      const a = Float64Array.from({ length: n }, () => r());
      const b = Float64Array.from({ length: n }, () => r());
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const k = i * n + j;
          if (kind === "integer") m[k] = Math.floor(r() * 10);
          else if (kind === "low-rank") m[k] = a[i] * b[j] + 1e-3 * r(); // near-ties everywhere: the LAPJV fallback
          else if (kind === "forbidden" && r() < 0.9 && j !== (i * 11) % n) m[k] = -Infinity;
          else m[k] = r() + (kind === "scores" && j === (i * 7) % n ? 1 : 0);
        }
      if (kind === "uniform" || kind === "scores" || kind === "forbidden") {
        // These settle sparse-first (certified), without falling back to LAPJV.
        const direct = sparseCertified(m, n, -1, 1e9, 1e-9);
        assert.ok(direct, `${kind}: settled sparse-first`);
      }
      const auto = solveAssignment(m, n, n, { maximize: true });
      const plain = solveAssignment(m, n, n, { maximize: true, method: "lapjv" });
      checkValid(auto, n, n);
      assert.ok(Math.abs(auto.total - plain.total) < 1e-6 * Math.abs(plain.total), `${kind}: ${auto.total} vs ${plain.total}`);
    }
  });

  it("solves 400 x 400 random problems with an LP optimality certificate", () => {
    const r = rng(9);
    const n = 400;
    for (const kind of ["uniform", "integer", "near-permutation"]) {
      const c = new Float64Array(n * n);
      for (let i = 0; i < n * n; i++) c[i] = kind === "integer" ? Math.floor(r() * 10) : r();
      if (kind === "near-permutation") for (let i = 0; i < n; i++) c[i * n + ((i * 7) % n)] -= 0.9;
      const { rowToCol: x, prices: v } = lapjv(c, n);
      assert.equal(new Set(x).size, n, `${kind}: a permutation`);
      // Duality: with u_i = c[i][x_i] - v[x_i], the pair (u, v) is dual feasible (c - u - v >= 0 everywhere)
      // and tight on the assignment, which proves the assignment optimal.
      for (let i = 0; i < n; i++) {
        const u = c[i * n + x[i]] - v[x[i]];
        for (let j = 0; j < n; j++) assert.ok(c[i * n + j] - v[j] - u > -1e-9, `${kind}: reduced cost of (${i}, ${j}) is negative`);
      }
    }
  });
});
