import { UserError } from "../errors";
import { candidatePairs, pairsFromKeys } from "./candidates";
import { lapjv, type AssignOptions, type Assignment } from "./lapjv";
import { solveSparseAssignment, sparseMatrix } from "./sparse";

/**
 * Optimal one-to-one assignment on a dense rows x cols matrix (row-major). Entries of +Infinity (or
 * -Infinity when maximising) are forbidden pairs; NaN is rejected. Rectangular matrices: every row (or
 * every column, whichever is fewer) is assigned. Written here because no maintained npm package solves a
 * dense 10,000 x 10,000 problem in seconds.
 *
 * Square matrices with at most SPARSE_PER_ROW allowed pairs per row on average are solved as the sparse
 * problem they are. Other square matrices are solved sparse first: each row's and each column's few best entries go to the sparse
 * shortest-path solver, whose prices are then checked against every entry of the matrix. When no entry
 * has a negative reduced cost the sparse optimum is optimal for the whole matrix (LP duality); otherwise
 * the violating entries join the candidates and it solves again. Few entries ever matter on score-like
 * matrices, so this takes a few passes over the matrix instead of LAPJV's many. If it does not settle in
 * a few rounds, or for rectangular input, it runs LAPJV (Jonker and Volgenant, 1987) on the whole matrix.
 */
export function solveAssignment(matrix: ArrayLike<number>, rows: number, cols: number, options: AssignOptions = {}): Assignment {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw new UserError(`bad matrix size ${rows} x ${cols}`);
  if (matrix.length !== rows * cols) throw new UserError(`matrix has ${matrix.length} entries, expected ${rows} x ${cols} = ${rows * cols}`);
  const sign = options.maximize ? -1 : 1;
  const forbiddenValue = options.maximize ? -Infinity : Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  let allowed = 0;
  for (let k = 0; k < matrix.length; k++) {
    const v = matrix[k];
    if (Number.isNaN(v)) throw new UserError(`NaN at row ${Math.floor(k / cols)}, column ${k % cols} of the ${rows} x ${cols} matrix`);
    if (v === forbiddenValue) continue;
    allowed++;
    if (!Number.isFinite(v)) throw new UserError(`${v} at row ${Math.floor(k / cols)}, column ${k % cols}: only ${forbiddenValue} marks a forbidden pair`);
    const c = sign * v;
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  if (rows === 0 || cols === 0) return { rowToCol: new Int32Array(rows).fill(-1), colToRow: new Int32Array(cols).fill(-1), total: 0 };
  if (lo === Infinity) throw new UserError("no feasible assignment: every pair is forbidden");
  const big = (hi - lo + 1) * (Math.max(rows, cols) + 1);
  if (options.method !== "lapjv" && rows === cols && allowed <= SPARSE_PER_ROW * rows) return sparseAllowed(matrix, rows, forbiddenValue, options);
  if (options.method !== "lapjv" && rows === cols) {
    const certified = sparseCertified(matrix, rows, sign, lo + big, 1e-9 * Math.max(1, hi - lo));
    if (certified) return certified;
  }
  return denseLapjv(matrix, rows, cols, sign, forbiddenValue, lo, big);
}

/**
 * Up to this many allowed pairs per row (on average) a square matrix is solved as a sparse problem: with
 * 51 per row at 10,000 x 10,000 (`npm run bench:assign`, "candidates") that takes 1.6 s where the
 * certified sparse-first path takes 2.6 s, and the lists stay small (at 128 per row: ~30 MB).
 */
const SPARSE_PER_ROW = 128;

/** Mostly forbidden: the allowed pairs are a sparse problem, solved as one (exact; no certificate needed). */
function sparseAllowed(matrix: ArrayLike<number>, n: number, forbiddenValue: number, options: AssignOptions): Assignment {
  const ri: number[] = [];
  const ci: number[] = [];
  const vals: number[] = [];
  for (let k = 0; k < matrix.length; k++)
    if (matrix[k] !== forbiddenValue) {
      ri.push(Math.floor(k / n));
      ci.push(k % n);
      vals.push(matrix[k]);
    }
  const sol = solveSparseAssignment(sparseMatrix(n, n, ri, ci, vals), { maximize: options.maximize });
  if (sol.unassigned > 0) throw new UserError(`no feasible assignment: the allowed pairs leave ${sol.unassigned} rows unmatched`);
  return { rowToCol: sol.rowToCol, colToRow: sol.colToRow, total: sol.total, solvedBy: "sparse" };
}

/**
 * Sparse solve on each row's and each column's 8 best entries, then the duality check on the whole square
 * matrix (forbidden entries at `forbiddenCost`), adding each bad row's worst entries and solving again.
 * Null when it is not settling: no complete matching even among 64 per row, more violating entries than
 * one per candidate (prices far off: LAPJV from scratch is then faster), or too many rounds.
 */
export function sparseCertified(matrix: ArrayLike<number>, n: number, sign: 1 | -1, forbiddenCost: number, tol: number, maxRounds = 8): Assignment | null {
  const rank = sign === 1 ? -1 : 1; // candidatePairs ranks scores; costs rank lowest first
  let k = Math.min(n, 8);
  let pairs = candidatePairs(matrix, n, n, k, rank);
  for (let round = 0; round < maxRounds; round++) {
    const values = Float64Array.from(pairs.rows, (i, p) => matrix[i * n + pairs.cols[p]]);
    const sol = solveSparseAssignment(sparseMatrix(n, n, pairs.rows, pairs.cols, values), { maximize: sign === -1 });
    if (sol.unassigned > 0) {
      // No complete matching among the candidates (forbidden pairs thin them out): widen them.
      if (k >= n || k >= 64) return null;
      k = Math.min(n, 4 * k);
      pairs = candidatePairs(matrix, n, n, k, rank);
      continue;
    }
    const extra = violations(matrix, n, sign, forbiddenCost, sol.rowToCol, sol.prices!, tol, k, n * k);
    if (!extra) return null;
    if (extra.length === 0) return { rowToCol: sol.rowToCol, colToRow: sol.colToRow, total: sol.total, solvedBy: "sparse-certified" };
    pairs = merged(pairs, extra, n);
  }
  return null;
}

/**
 * Entries (flat indices) whose reduced cost c[i][j] - v[j] falls below row i's, c[i][x_i] - v[x_i], by
 * more than tol: the pairs that break the certificate; at most `perRow` per row, the most negative.
 * Null as soon as more than maxTotal entries break it (the prices are far off).
 */
function violations(matrix: ArrayLike<number>, n: number, sign: number, forbiddenCost: number, x: Int32Array, v: Float64Array, tol: number, perRow: number, maxTotal: number): number[] | null {
  const entries: number[] = [];
  let total = 0;
  const worst = new Float64Array(perRow);
  const at = new Int32Array(perRow);
  for (let i = 0; i < n; i++) {
    const base = i * n;
    const u = sign * matrix[base + x[i]] - v[x[i]] - tol;
    let size = 0;
    for (let j = 0; j < n; j++) {
      const c = sign * matrix[base + j];
      const h = (c === Infinity ? forbiddenCost : c) - v[j];
      if (!(h < u)) continue;
      if (++total > maxTotal) return null;
      if (size === perRow && !(h < worst[perRow - 1])) continue;
      let p = size < perRow ? size++ : perRow - 1;
      while (p > 0 && worst[p - 1] > h) {
        worst[p] = worst[p - 1];
        at[p] = at[p - 1];
        p--;
      }
      worst[p] = h;
      at[p] = j;
    }
    for (let p = 0; p < size; p++) entries.push(base + at[p]);
  }
  return entries;
}

/** Candidate pairs plus extra entries (flat indices), distinct and sorted by row then column. */
function merged(pairs: { rows: Int32Array; cols: Int32Array }, extra: number[], n: number) {
  const keys = new Float64Array(pairs.rows.length + extra.length);
  pairs.rows.forEach((i, p) => (keys[p] = i * n + pairs.cols[p]));
  keys.set(extra, pairs.rows.length);
  return pairsFromKeys(keys, n);
}

/**
 * LAPJV on the whole matrix, padded to square, forbidden pairs at a cost (big) no allowed assignment
 * reaches.
 */
function denseLapjv(matrix: ArrayLike<number>, rows: number, cols: number, sign: 1 | -1, forbiddenValue: number, lo: number, big: number): Assignment {
  const n = Math.max(rows, cols);
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  // Stored at the input's precision: Float32 input halves the memory traffic of the scans that dominate.
  // Prices and distances are always Float64.
  const cost = matrix instanceof Float32Array ? new Float32Array(n * n) : new Float64Array(n * n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = matrix[i * cols + j];
      cost[i * n + j] = v === forbiddenValue ? big : sign * v - lo;
    }
    // Padding columns (rows > cols) cost 0: rows assigned there stay unassigned.
  }
  // Padding rows (cols > rows) cost 0 everywhere.
  const { rowToCol: x } = lapjv(cost, n);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const j = x[i];
    if (j >= cols) continue;
    const v = matrix[i * cols + j];
    if (v === forbiddenValue) throw new UserError(`no feasible assignment: row ${i} can only be matched through a forbidden pair`);
    rowToCol[i] = j;
    colToRow[j] = i;
    total += v;
  }
  return { rowToCol, colToRow, total, solvedBy: "lapjv" };
}
