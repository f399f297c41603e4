import * as tf from "@tensorflow/tfjs";
import { HALF_PIXELS, HALF_WIDTH, type Halves } from "./halves";

const ROWS = 28;

/**
 * Boundary columns as vectors, for continuity across the cut. For a left half: its last column (13) and
 * the column a straight-line continuation predicts next (2*c13 - c12, clipped to 0-1); for a right half:
 * its first column (14) and the column before it predicted from the right (2*c14 - c15).
 */
function boundary(h: Halves, side: "left" | "right"): Float32Array {
  const out = new Float32Array(h.n * ROWS * 2);
  const [edge, inner] = side === "left" ? [HALF_WIDTH - 1, HALF_WIDTH - 2] : [0, 1];
  for (let i = 0; i < h.n; i++)
    for (let r = 0; r < ROWS; r++) {
      const e = h.pixels[i * HALF_PIXELS + r * HALF_WIDTH + edge] / 255;
      const p = h.pixels[i * HALF_PIXELS + r * HALF_WIDTH + inner] / 255;
      out[(i * ROWS + r) * 2] = e;
      out[(i * ROWS + r) * 2 + 1] = Math.min(1, Math.max(0, 2 * e - p));
    }
  return out;
}

/**
 * Continuity score of every (left, right) pair: minus the squared distance between each side's boundary
 * column and the column the other side predicts across the cut. A dense n x m matrix (row = left half),
 * computed as |a|^2 + |b|^2 - 2 a.b with one matrix product. Needs no training: the baseline scorer.
 */
export function continuityScores(left: Halves, right: Halves): Float32Array {
  const l = boundary(left, "left");
  const r = boundary(right, "right");
  // tidy returns the tensor, not its data: tidy walks a returned object's keys looking for tensors.
  const scores = tf.tidy(() => {
    // Left features [edge13, predicted14]; right features [predicted13, edge14], arranged so that
    // ||(edge13, predicted14) - (predicted13, edge14)||^2 compares each column with its prediction.
    const lt = tf.tensor3d(l, [left.n, ROWS, 2]).reshape([left.n, ROWS * 2]);
    const rr = tf.tensor3d(r, [right.n, ROWS, 2]).reverse(2).reshape([right.n, ROWS * 2]);
    const cross = tf.matMul(lt, rr, false, true);
    const ln = lt.square().sum(1).reshape([left.n, 1]);
    const rn = rr.square().sum(1).reshape([1, right.n]);
    return ln.add(rn).sub(cross.mul(2)).neg();
  });
  const out = scores.dataSync() as Float32Array;
  scores.dispose();
  return out;
}
