/** A one-to-one assignment: row i gets column rowToCol[i] (-1 when there are more rows than columns). */
export interface Assignment {
  rowToCol: Int32Array;
  colToRow: Int32Array;
  /** Sum of the (original, un-negated) scores or costs of the assigned pairs. */
  total: number;
  /** How the dense solver found it: on the allowed pairs alone (few), sparse first with the duality certificate, or plain LAPJV. */
  solvedBy?: "sparse" | "sparse-certified" | "lapjv";
}

export interface AssignOptions {
  /** Maximise the total instead of minimising it (scores instead of costs). */
  maximize?: boolean;
  /**
   * Dense solver only. "auto" (default): square matrices are first solved on their best entries and the
   * result certified optimal on the whole matrix (see solveAssignment); "lapjv": always plain LAPJV.
   */
  method?: "auto" | "lapjv";
}

/**
 * LAPJV on a square n x n cost matrix (row-major, finite). Returns row -> column and the column prices v:
 * at the optimum every row's column minimises c[i][j] - v[j] over j (the LP duality certificate).
 */
export function lapjv(c: Float32Array | Float64Array, n: number): { rowToCol: Int32Array; prices: Float64Array } {
  const x = new Int32Array(n).fill(-1); // row -> column
  const y = new Int32Array(n).fill(-1); // column -> row
  const v = new Float64Array(n); // column prices (duals)
  const free = new Int32Array(n);
  let numFree = 0;

  // Column reduction: v[j] = min over rows; a row that is the minimum of exactly one column takes it.
  // Minima are found row by row (sequential memory); ties go to the lowest row, as a column scan would.
  const colMin = new Float64Array(n).fill(Infinity);
  const argMin = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * n;
    for (let j = 0; j < n; j++) {
      const h = c[base + j];
      if (h < colMin[j]) {
        colMin[j] = h;
        argMin[j] = i;
      }
    }
  }
  const matches = new Int32Array(n);
  for (let j = n - 1; j >= 0; j--) {
    v[j] = colMin[j];
    const i = argMin[j];
    if (++matches[i] === 1) {
      x[i] = j;
      y[j] = i;
    } else if (v[j] < v[x[i]]) {
      y[x[i]] = -1;
      x[i] = j;
      y[j] = i;
    }
  }
  // Reduction transfer: a row assigned once passes its slack to its column's price.
  for (let i = 0; i < n; i++) {
    if (matches[i] === 0) {
      free[numFree++] = i;
    } else if (matches[i] === 1) {
      const j1 = x[i];
      const base = i * n;
      let min = Infinity;
      for (let j = 0; j < n; j++) if (j !== j1 && c[base + j] - v[j] < min) min = c[base + j] - v[j];
      if (min < Infinity) v[j1] -= min;
    }
    // A row that is the minimum of several columns keeps one of them; the others stay free.
  }

  // Augmenting row reduction, twice. Near-ties can make it bounce a row between columns by tiny price
  // steps for a very long time (a million row scans at n = 2,000 on MNIST boundary scores), so its work is
  // capped; rows still free then go to the shortest-path phase, which is exact whatever the prices.
  // 32 scans per row: uniform random 10,000 x 10,000 needs ~62 per row uncapped, and is no slower capped.
  const budget = 32 * n;
  let scans = 0;
  for (let round = 0; round < 2; round++) {
    let k = 0;
    const previous = numFree;
    numFree = 0;
    while (k < previous) {
      if (++scans > budget) {
        while (k < previous) free[numFree++] = free[k++];
        break;
      }
      const i = free[k++];
      const base = i * n;
      let umin = c[base] - v[0];
      let j1 = 0;
      let j2 = -1;
      let usubmin = Infinity;
      for (let j = 1; j < n; j++) {
        const h = c[base + j] - v[j];
        if (h < usubmin) {
          if (h >= umin) {
            usubmin = h;
            j2 = j;
          } else {
            usubmin = umin;
            umin = h;
            j2 = j1;
            j1 = j;
          }
        }
      }
      let i0 = y[j1];
      if (umin < usubmin) {
        v[j1] -= usubmin - umin;
      } else if (i0 > -1 && j2 > -1) {
        j1 = j2;
        i0 = y[j2];
      }
      if (i0 > -1) x[i0] = -1;
      x[i] = j1;
      y[j1] = i;
      if (i0 > -1) {
        if (umin < usubmin) free[--k] = i0;
        else free[numFree++] = i0;
      }
    }
  }

  // Shortest augmenting path (Dijkstra on reduced costs) for each remaining free row.
  const d = new Float64Array(n);
  const pred = new Int32Array(n);
  const cols = new Int32Array(n);
  for (let f = 0; f < numFree; f++) {
    const freeRow = free[f];
    const fb = freeRow * n;
    for (let j = 0; j < n; j++) {
      d[j] = c[fb + j] - v[j];
      pred[j] = freeRow;
      cols[j] = j;
    }
    let low = 0; // cols[0..low) are scanned (final distances)
    let up = 0; // cols[low..up) are at the current minimum distance, to scan
    let last = 0;
    let min = 0;
    let end = -1;
    while (end < 0) {
      if (up === low) {
        last = low - 1;
        min = d[cols[up++]];
        for (let k = up; k < n; k++) {
          const j = cols[k];
          const h = d[j];
          if (h <= min) {
            if (h < min) {
              up = low;
              min = h;
            }
            cols[k] = cols[up];
            cols[up++] = j;
          }
        }
        for (let k = low; k < up; k++) {
          if (y[cols[k]] < 0) {
            end = cols[k];
            break;
          }
        }
      }
      if (end >= 0) break;
      const j1 = cols[low++];
      const i = y[j1];
      const ib = i * n;
      const h = c[ib + j1] - v[j1] - min;
      for (let k = up; k < n; k++) {
        const j = cols[k];
        const v2 = c[ib + j] - v[j] - h;
        if (v2 < d[j]) {
          pred[j] = i;
          if (v2 === min) {
            if (y[j] < 0) {
              end = j;
              break;
            }
            cols[k] = cols[up];
            cols[up++] = j;
          }
          d[j] = v2;
        }
      }
    }
    // Update the prices of the scanned columns, then flip the path.
    for (let k = 0; k <= last; k++) {
      const j1 = cols[k];
      v[j1] += d[j1] - min;
    }
    augment(x, y, pred, end, freeRow);
  }
  return { rowToCol: x, prices: v };
}

/** Flips an augmenting path ending at free column `end` (back through pred) so that `freeRow` is matched. */
export function augment(x: Int32Array, y: Int32Array, pred: Int32Array, end: number, freeRow: number): void {
  let j = end;
  for (;;) {
    const i = pred[j];
    y[j] = i;
    const next = x[i];
    x[i] = j;
    j = next;
    if (i === freeRow) break;
  }
}
