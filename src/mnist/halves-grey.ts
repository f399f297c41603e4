import { UserError } from "../errors";
import { HALF_PIXELS, HALF_WIDTH, type Halves } from "./halves";

const ROWS = 28;

/**
 * Each half's partly inked pixels as a sparse histogram of exact grey levels 1-254 (blank and saturated
 * pixels say nothing of the anti-aliasing): for half i, levels[start[i]..start[i+1]) with their counts,
 * and total[i] = the number of such pixels.
 */
interface GreyHistograms {
  start: Int32Array;
  levels: Uint8Array;
  counts: Uint16Array;
  total: Uint16Array;
}

function greyHistograms(h: Halves): GreyHistograms {
  const start = new Int32Array(h.n + 1);
  const levels: number[] = [];
  const counts: number[] = [];
  const total = new Uint16Array(h.n);
  const hist = new Uint16Array(256);
  for (let i = 0; i < h.n; i++) {
    hist.fill(0);
    for (let k = i * HALF_PIXELS; k < (i + 1) * HALF_PIXELS; k++) hist[h.pixels[k]]++;
    for (let v = 1; v < 255; v++)
      if (hist[v]) {
        levels.push(v);
        counts.push(hist[v]);
        total[i] += hist[v];
      }
    start[i + 1] = levels.length;
  }
  return { start, levels: Uint8Array.from(levels), counts: Uint16Array.from(counts), total };
}

/** Each half's partly inked pixels as (row, level) lists, and every row's levels as a 256-bit set (8 words a row). */
function rowLevels(h: Halves): { start: Int32Array; row: Uint8Array; level: Uint8Array; bits: Uint32Array } {
  const start = new Int32Array(h.n + 1);
  const row: number[] = [];
  const level: number[] = [];
  const bits = new Uint32Array(h.n * ROWS * 8);
  for (let i = 0; i < h.n; i++) {
    for (let k = 0; k < HALF_PIXELS; k++) {
      const v = h.pixels[i * HALF_PIXELS + k];
      if (v === 0 || v === 255) continue;
      const r = Math.floor(k / HALF_WIDTH);
      row.push(r);
      level.push(v);
      bits[(i * ROWS + r) * 8 + (v >> 5)] |= 1 << (v & 31);
    }
    start[i + 1] = row.length;
  }
  return { start, row: Uint8Array.from(row), level: Uint8Array.from(level), bits };
}

/**
 * Grey-level match of each pair (left[rows[p]], right[cols[p]]), two measures of one trace added together.
 * MNIST's anti-aliasing turned each digit's scale factor and the phase of its rows into exact grey levels
 * that both halves draw from, so a true pair shares exact levels (1-254; blank and saturated pixels say
 * nothing of it) far more often than two look-alikes do:
 * - whole halves: the weighted Jaccard similarity of the two halves' histograms of exact levels (sum of the
 *   smaller counts over sum of the larger);
 * - row by row, where the two halves share the vertical phase: the left half's partly inked pixels whose exact
 *   level appears in the same row of the right half, over the two halves' partly inked pixels less those.
 * Each is 0 when neither half has a partly inked pixel. The levels must be exact: on the validation task,
 * merging neighbouring levels in twos lost about a third of what the whole-half match adds (measured in
 * scratch when the feature was chosen, as was the row-by-row term: 95.73% -> 95.91% restored).
 */
export function greyLevelMatch(left: Halves, right: Halves, rows: ArrayLike<number>, cols: ArrayLike<number>): Float32Array {
  if (rows.length !== cols.length) throw new UserError(`${rows.length} left indices but ${cols.length} right indices`);
  const l = greyHistograms(left);
  const r = greyHistograms(right);
  const lr = rowLevels(left);
  const rr = rowLevels(right);
  const dense = new Uint16Array(right.n * 256); // the right halves' histograms, looked up level by level
  for (let j = 0; j < right.n; j++) for (let q = r.start[j]; q < r.start[j + 1]; q++) dense[j * 256 + r.levels[q]] = r.counts[q];
  const out = new Float32Array(rows.length);
  for (let p = 0; p < rows.length; p++) {
    const a = rows[p];
    const b = cols[p];
    if (!(a >= 0 && a < left.n && b >= 0 && b < right.n)) throw new UserError(`pair ${p} (${a}, ${b}) names a half outside the ${left.n} left and ${right.n} right halves`);
    let shared = 0;
    for (let q = l.start[a]; q < l.start[a + 1]; q++) shared += Math.min(l.counts[q], dense[b * 256 + l.levels[q]]);
    const union = l.total[a] + r.total[b] - shared; // sum of the larger counts
    let inRow = 0;
    for (let q = lr.start[a]; q < lr.start[a + 1]; q++) {
      const v = lr.level[q];
      if (rr.bits[(b * ROWS + lr.row[q]) * 8 + (v >> 5)] & (1 << (v & 31))) inRow++;
    }
    const rest = l.total[a] + r.total[b] - inRow;
    out[p] = (union > 0 ? shared / union : 0) + (rest > 0 ? inRow / rest : 0);
  }
  return out;
}
