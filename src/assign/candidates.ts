import { UserError } from "../errors";

/**
 * Each row's k best columns of a dense rows x cols score matrix (higher is better), best first:
 * candidates[i*k + r] is row i's r-th best column. Selection keeps a small sorted buffer per row,
 * O(cols * log k) per row instead of sorting whole rows. sign -1 ranks costs: lowest first.
 */
export function topK(scores: ArrayLike<number>, rows: number, cols: number, k: number, sign: 1 | -1 = 1): Int32Array {
  if (!(k >= 1 && k <= cols)) throw new UserError(`k must be between 1 and the ${cols} columns, not ${k}`);
  const out = new Int32Array(rows * k);
  const best = new Float64Array(k);
  const idx = new Int32Array(k);
  for (let i = 0; i < rows; i++) {
    let size = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const s = sign * scores[base + j];
      if (size === k && !(s > best[k - 1])) continue;
      // Insert into the descending buffer; ties keep the earlier column first.
      let p = size < k ? size++ : k - 1;
      while (p > 0 && best[p - 1] < s) {
        best[p] = best[p - 1];
        idx[p] = idx[p - 1];
        p--;
      }
      best[p] = s;
      idx[p] = j;
    }
    out.set(idx, i * k);
  }
  return out;
}

/** Share of rows whose true column is among their k candidates. */
export function recallAtK(candidates: Int32Array, k: number, truth: ArrayLike<number>): number {
  let hit = 0;
  for (let i = 0; i < truth.length; i++) {
    for (let r = 0; r < k; r++) {
      if (candidates[i * k + r] === truth[i]) {
        hit++;
        break;
      }
    }
  }
  return hit / truth.length;
}

/**
 * Greedy one-to-one matching: repeatedly take the highest-scoring pair whose row and column are both
 * still free (the baseline a global assignment is compared against). Exact: rows walk their top-k lists
 * through a max-heap and fall back to a full scan of free columns when a list runs out.
 */
export function greedyAssignment(scores: ArrayLike<number>, n: number, k = Math.min(n, 32)): Int32Array {
  const cand = topK(scores, n, n, k);
  const pos = new Int32Array(n); // next candidate rank per row
  const rowToCol = new Int32Array(n).fill(-1);
  const colTaken = new Uint8Array(n);
  // Max-heap of (score, row) for each row's current best free candidate.
  const heapScore = new Float64Array(n);
  const heapRow = new Int32Array(n);
  const heapCol = new Int32Array(n);
  let size = 0;
  // Heap order: higher score first, then lower row (so ties resolve as in the definition).
  const above = (sa: number, ra: number, sb: number, rb: number) => sa > sb || (sa === sb && ra < rb);
  const put = (p: number, s: number, row: number, col: number) => {
    heapScore[p] = s;
    heapRow[p] = row;
    heapCol[p] = col;
  };
  const push = (s: number, row: number, col: number) => {
    let p = size++;
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (above(heapScore[parent], heapRow[parent], s, row)) break;
      put(p, heapScore[parent], heapRow[parent], heapCol[parent]);
      p = parent;
    }
    put(p, s, row, col);
  };
  const pop = (): [number, number] => {
    const top: [number, number] = [heapRow[0], heapCol[0]];
    const s = heapScore[--size];
    const row = heapRow[size];
    const col = heapCol[size];
    let p = 0;
    for (;;) {
      let c = 2 * p + 1;
      if (c >= size) break;
      if (c + 1 < size && above(heapScore[c + 1], heapRow[c + 1], heapScore[c], heapRow[c])) c++;
      if (!above(heapScore[c], heapRow[c], s, row)) break;
      put(p, heapScore[c], heapRow[c], heapCol[c]);
      p = c;
    }
    put(p, s, row, col);
    return top;
  };
  /** Row i's best free column: from its top-k list while it lasts, then by scanning. */
  const next = (i: number): number => {
    while (pos[i] < k && colTaken[cand[i * k + pos[i]]]) pos[i]++;
    if (pos[i] < k) return cand[i * k + pos[i]];
    let best = -1;
    for (let j = 0; j < n; j++) if (!colTaken[j] && (best < 0 || scores[i * n + j] > scores[i * n + best])) best = j;
    return best;
  };
  for (let i = 0; i < n; i++) push(scores[i * n + cand[i * k]], i, cand[i * k]);
  while (size > 0) {
    const [i, j] = pop();
    if (colTaken[j]) {
      const alt = next(i); // the column went to a better pair: requeue the row with its next choice
      push(scores[i * n + alt], i, alt);
      continue;
    }
    rowToCol[i] = j;
    colTaken[j] = 1;
  }
  return rowToCol;
}

/**
 * Candidate pairs for a sparse assignment: each row's k best columns and each column's k best rows of a
 * dense rows x cols score matrix, united (a row's true partner may rank low for the row yet high for the
 * column). Entries of -Infinity (ruled out) are never candidates. Pairs come sorted by row, then column.
 * sign -1 takes a cost matrix instead: lowest first, +Infinity ruled out.
 */
export function candidatePairs(scores: ArrayLike<number>, rows: number, cols: number, k: number, sign: 1 | -1 = 1): { rows: Int32Array; cols: Int32Array } {
  const byRow = topK(scores, rows, cols, Math.min(k, cols), sign);
  const kr = Math.min(k, cols);
  // Each column's k best rows, scanning row-major with a sorted buffer per column.
  const kc = Math.min(k, rows);
  const best = new Float64Array(cols * kc).fill(-Infinity);
  const idx = new Int32Array(cols * kc).fill(-1);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const s = sign * scores[base + j];
      const o = j * kc;
      if (!(s > best[o + kc - 1])) continue;
      let p = kc - 1;
      while (p > 0 && best[o + p - 1] < s) {
        best[o + p] = best[o + p - 1];
        idx[o + p] = idx[o + p - 1];
        p--;
      }
      best[o + p] = s;
      idx[o + p] = i;
    }
  }
  const keys: number[] = [];
  for (let i = 0; i < rows; i++)
    for (let r = 0; r < kr; r++) {
      const j = byRow[i * kr + r];
      if (sign * scores[i * cols + j] > -Infinity) keys.push(i * cols + j);
    }
  for (let j = 0; j < cols; j++) for (let r = 0; r < kc; r++) if (idx[j * kc + r] >= 0) keys.push(idx[j * kc + r] * cols + j);
  return pairsFromKeys(Float64Array.from(keys), cols);
}

/** Pairs from flat indices (row * cols + col), distinct and sorted by row then column; sorts keys in place. */
export function pairsFromKeys(keys: Float64Array, cols: number): { rows: Int32Array; cols: Int32Array } {
  keys.sort();
  const outRows: number[] = [];
  const outCols: number[] = [];
  for (let p = 0; p < keys.length; p++) {
    if (p > 0 && keys[p] === keys[p - 1]) continue;
    outRows.push(Math.floor(keys[p] / cols));
    outCols.push(keys[p] % cols);
  }
  return { rows: Int32Array.from(outRows), cols: Int32Array.from(outCols) };
}

/** Share of rows whose true column is among their candidate pairs. */
export function pairRecall(pairs: { rows: Int32Array; cols: Int32Array }, truth: ArrayLike<number>): number {
  let hit = 0;
  for (let p = 0; p < pairs.rows.length; p++) if (truth[pairs.rows[p]] === pairs.cols[p]) hit++;
  return hit / truth.length;
}
