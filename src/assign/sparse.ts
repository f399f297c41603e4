import { UserError } from "../errors";
import { augment, type AssignOptions, type Assignment } from "./lapjv";

/** A sparse rows x cols score or cost matrix in compressed rows: row i's entries are [rowStart[i], rowStart[i+1]). */
export interface SparseMatrix {
  rows: number;
  cols: number;
  rowStart: Int32Array;
  col: Int32Array;
  value: Float64Array;
}

/**
 * Builds a sparse matrix from (row, col, value) triples in any order. Pairs not listed are forbidden.
 * Rejects NaN or infinite values and repeated pairs, naming them.
 */
export function sparseMatrix(rows: number, cols: number, rowIdx: ArrayLike<number>, colIdx: ArrayLike<number>, values: ArrayLike<number>): SparseMatrix {
  const nnz = rowIdx.length;
  if (colIdx.length !== nnz || values.length !== nnz) throw new UserError(`${nnz} row indices, ${colIdx.length} column indices and ${values.length} values: they must be as many`);
  const rowStart = new Int32Array(rows + 1);
  for (let p = 0; p < nnz; p++) {
    const i = rowIdx[p];
    const j = colIdx[p];
    if (!(Number.isInteger(i) && i >= 0 && i < rows && Number.isInteger(j) && j >= 0 && j < cols)) throw new UserError(`entry ${p} at (${i}, ${j}) is outside the ${rows} x ${cols} matrix`);
    if (!Number.isFinite(values[p])) throw new UserError(`${values[p]} at row ${i}, column ${j} (entry ${p}): scores must be finite numbers`);
    rowStart[i + 1]++;
  }
  for (let i = 0; i < rows; i++) rowStart[i + 1] += rowStart[i];
  const fill = rowStart.slice(0, rows);
  const col = new Int32Array(nnz);
  const value = new Float64Array(nnz);
  for (let p = 0; p < nnz; p++) {
    const q = fill[rowIdx[p]]++;
    col[q] = colIdx[p];
    value[q] = values[p];
  }
  const seen = new Int32Array(cols).fill(-1);
  for (let i = 0; i < rows; i++)
    for (let q = rowStart[i]; q < rowStart[i + 1]; q++) {
      if (seen[col[q]] === i) throw new UserError(`pair (${i}, ${col[q]}) is listed twice`);
      seen[col[q]] = i;
    }
  return { rows, cols, rowStart, col, value };
}

function transpose(s: SparseMatrix): SparseMatrix {
  const rowIdx = new Int32Array(s.col.length);
  for (let i = 0; i < s.rows; i++) rowIdx.fill(i, s.rowStart[i], s.rowStart[i + 1]);
  return sparseMatrix(s.cols, s.rows, s.col, rowIdx, s.value);
}

/** A binary min-heap of (distance, column) with lazy deletion: stale entries are skipped when popped. */
class Heap {
  private key = new Float64Array(64);
  private item = new Int32Array(64);
  size = 0;
  push(k: number, it: number): void {
    if (this.size === this.key.length) {
      const key = new Float64Array(this.size * 2);
      key.set(this.key);
      const item = new Int32Array(this.size * 2);
      item.set(this.item);
      this.key = key;
      this.item = item;
    }
    let p = this.size++;
    while (p > 0) {
      const up = (p - 1) >> 1;
      if (this.key[up] <= k) break;
      this.key[p] = this.key[up];
      this.item[p] = this.item[up];
      p = up;
    }
    this.key[p] = k;
    this.item[p] = it;
  }
  /** Removes the minimum; returns its item (its key is in topKey before the call). */
  pop(): number {
    const top = this.item[0];
    const k = this.key[--this.size];
    const it = this.item[this.size];
    let p = 0;
    for (;;) {
      let c = 2 * p + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.key[c + 1] < this.key[c]) c++;
      if (this.key[c] >= k) break;
      this.key[p] = this.key[c];
      this.item[p] = this.item[c];
      p = c;
    }
    this.key[p] = k;
    this.item[p] = it;
    return top;
  }
  get topKey(): number {
    return this.key[0];
  }
}

/**
 * Optimal one-to-one assignment restricted to the listed pairs (candidate sets): successive shortest
 * augmenting paths, Dijkstra with a heap over reduced costs and Jonker-Volgenant price updates, so each
 * row's work is proportional to the candidates it reaches, not to the number of columns. Rows that no
 * augmenting path through listed pairs can match stay unassigned (-1); `unassigned` counts how many of the
 * smaller side are left out so (0: a complete matching), and the matched ones are matched at minimum
 * total cost. When rows > cols it solves the transpose. When rows <= cols it also returns the column
 * prices v (on costs, negated scores when maximising): every listed pair's c[i][j] - v[j] is at least
 * row i's c[i][x_i] - v[x_i], the duality certificate the dense solver extends to the whole matrix.
 */
export function solveSparseAssignment(s: SparseMatrix, options: AssignOptions = {}): Assignment & { unassigned: number; prices?: Float64Array } {
  if (s.rows > s.cols) {
    const t = solveSparseAssignment(transpose(s), options);
    return { rowToCol: t.colToRow, colToRow: t.rowToCol, total: t.total, unassigned: t.unassigned };
  }
  const sign = options.maximize ? -1 : 1;
  const { rows, cols, rowStart, col } = s;
  const cost = Float64Array.from(s.value, (v) => sign * v);
  const x = new Int32Array(rows).fill(-1);
  const y = new Int32Array(cols).fill(-1);
  const v = new Float64Array(cols); // column prices
  const d = new Float64Array(cols).fill(Infinity);
  const pred = new Int32Array(cols);
  const done = new Uint8Array(cols);
  const touched = new Int32Array(cols);
  const heap = new Heap();
  let unassigned = 0;
  for (let f = 0; f < rows; f++) {
    let nTouched = 0;
    heap.size = 0;
    for (let q = rowStart[f]; q < rowStart[f + 1]; q++) {
      const j = col[q];
      d[j] = cost[q] - v[j];
      pred[j] = f;
      touched[nTouched++] = j;
      heap.push(d[j], j);
    }
    let end = -1;
    let min = 0;
    while (heap.size > 0) {
      const key = heap.topKey;
      const j = heap.pop();
      if (done[j] || key > d[j]) continue;
      if (y[j] < 0) {
        end = j;
        min = key;
        break;
      }
      done[j] = 1;
      // Row i = y[j] holds column j at reduced cost u_i; its other columns cost the difference more.
      const i = y[j];
      let ui = 0;
      for (let q = rowStart[i]; q < rowStart[i + 1]; q++) if (col[q] === j) ui = cost[q] - v[j];
      for (let q = rowStart[i]; q < rowStart[i + 1]; q++) {
        const k = col[q];
        if (done[k]) continue;
        const dk = key + cost[q] - v[k] - ui;
        if (dk < d[k]) {
          if (d[k] === Infinity) touched[nTouched++] = k;
          d[k] = dk;
          pred[k] = i;
          heap.push(dk, k);
        }
      }
    }
    if (end >= 0) {
      for (let t = 0; t < nTouched; t++) {
        const k = touched[t];
        if (done[k]) v[k] += d[k] - min;
      }
      augment(x, y, pred, end, f);
    } else unassigned++;
    for (let t = 0; t < nTouched; t++) {
      d[touched[t]] = Infinity;
      done[touched[t]] = 0;
    }
  }
  let total = 0;
  for (let i = 0; i < rows; i++)
    if (x[i] >= 0)
      for (let q = rowStart[i]; q < rowStart[i + 1]; q++) if (col[q] === x[i]) total += s.value[q];
  return { rowToCol: x, colToRow: y, total, unassigned, prices: v };
}
