import { UserError } from "../errors";
import { MNIST_SIDE, type MnistSplit } from "../data/mnist";
import { HALF_PIXELS, HALF_WIDTH, type Halves } from "./halves";

/**
 * MNIST's construction leaves two exact traces in every image (LeCun et al.): each digit was scaled so
 * its bounding box is 20 pixels on the longer side, then shifted so its centre of mass falls on the middle
 * pixel of the 28x28 field. A true pair's re-joined image must show both; most wrong pairs do not. The
 * rule's bounds are learned from training images, not assumed.
 */
export interface GeometryRule {
  /** Range of the centre of mass, column and row, over the training images (plus a small margin). */
  comX: [number, number];
  comY: [number, number];
  /** Longer side of the inked bounding box, every value seen in training. */
  boxSizes: number[];
}

/** Per-half mass, moments and inked extent, in the joined image's coordinates (right halves start at column 14). */
export interface HalfStats {
  mass: Float64Array;
  xMoment: Float64Array;
  yMoment: Float64Array;
  rowMin: Int32Array;
  rowMax: Int32Array;
  colMin: Int32Array;
  colMax: Int32Array;
}

export function halfStats(h: Halves, side: "left" | "right"): HalfStats {
  const off = side === "left" ? 0 : HALF_WIDTH;
  const s: HalfStats = {
    mass: new Float64Array(h.n),
    xMoment: new Float64Array(h.n),
    yMoment: new Float64Array(h.n),
    rowMin: new Int32Array(h.n).fill(MNIST_SIDE),
    rowMax: new Int32Array(h.n).fill(-1),
    colMin: new Int32Array(h.n).fill(MNIST_SIDE),
    colMax: new Int32Array(h.n).fill(-1),
  };
  for (let i = 0; i < h.n; i++)
    for (let r = 0; r < MNIST_SIDE; r++)
      for (let c = 0; c < HALF_WIDTH; c++) {
        const v = h.pixels[i * HALF_PIXELS + r * HALF_WIDTH + c];
        if (v === 0) continue;
        s.mass[i] += v;
        s.xMoment[i] += (c + off) * v;
        s.yMoment[i] += r * v;
        if (r < s.rowMin[i]) s.rowMin[i] = r;
        if (r > s.rowMax[i]) s.rowMax[i] = r;
        if (c + off < s.colMin[i]) s.colMin[i] = c + off;
        if (c + off > s.colMax[i]) s.colMax[i] = c + off;
      }
  return s;
}

/** Centre of mass and bounding-box longer side of the joined pair (left a, right b); null for a blank image. */
export function pairShape(l: HalfStats, a: number, r: HalfStats, b: number): { x: number; y: number; box: number } | null {
  const m = l.mass[a] + r.mass[b];
  if (m === 0) return null;
  const h = Math.max(l.rowMax[a], r.rowMax[b]) - Math.min(l.rowMin[a], r.rowMin[b]) + 1;
  const w = Math.max(l.colMax[a], r.colMax[b]) - Math.min(l.colMin[a], r.colMin[b]) + 1;
  return { x: (l.xMoment[a] + r.xMoment[b]) / m, y: (l.yMoment[a] + r.yMoment[b]) / m, box: Math.max(h, w) };
}

/** Whether a joined pair's shape (pairShape) fits the rule; geometryMask inlines the same test for speed. */
export function pairFits(rule: GeometryRule, s: { x: number; y: number; box: number } | null): boolean {
  return s !== null && s.x >= rule.comX[0] && s.x <= rule.comX[1] && s.y >= rule.comY[0] && s.y <= rule.comY[1] && rule.boxSizes.includes(s.box);
}

/** Learns the rule from whole training images (cut and measured the same way as the pairs will be). */
export function learnGeometry(train: { left: Halves; right: Halves }, margin = 0.01): GeometryRule {
  if (train.left.n !== train.right.n || train.left.n === 0) throw new UserError(`geometry needs aligned training halves, got ${train.left.n} left and ${train.right.n} right`);
  const l = halfStats(train.left, "left");
  const r = halfStats(train.right, "right");
  const comX: [number, number] = [Infinity, -Infinity];
  const comY: [number, number] = [Infinity, -Infinity];
  const sizes = new Set<number>();
  for (let i = 0; i < train.left.n; i++) {
    const p = pairShape(l, i, r, i);
    if (!p) continue;
    comX[0] = Math.min(comX[0], p.x);
    comX[1] = Math.max(comX[1], p.x);
    comY[0] = Math.min(comY[0], p.y);
    comY[1] = Math.max(comY[1], p.y);
    sizes.add(p.box);
  }
  return { comX: [comX[0] - margin, comX[1] + margin], comY: [comY[0] - margin, comY[1] + margin], boxSizes: [...sizes].sort((a, b) => a - b) };
}

/** 1 where the joined pair (row = left a, column = right b) fits the rule, else 0: a dense left.n x right.n mask. */
export function geometryMask(rule: GeometryRule, left: Halves, right: Halves): Uint8Array {
  const l = halfStats(left, "left");
  const r = halfStats(right, "right");
  const boxOk = new Uint8Array(2 * MNIST_SIDE + 1);
  for (const s of rule.boxSizes) boxOk[s] = 1;
  const mask = new Uint8Array(left.n * right.n);
  // pairShape inlined: this loop runs 10^8 times on the test task.
  for (let a = 0; a < left.n; a++)
    for (let b = 0; b < right.n; b++) {
      const m = l.mass[a] + r.mass[b];
      if (m === 0) continue;
      const x = (l.xMoment[a] + r.xMoment[b]) / m;
      if (x < rule.comX[0] || x > rule.comX[1]) continue;
      const y = (l.yMoment[a] + r.yMoment[b]) / m;
      if (y < rule.comY[0] || y > rule.comY[1]) continue;
      const h = Math.max(l.rowMax[a], r.rowMax[b]) - Math.min(l.rowMin[a], r.rowMin[b]) + 1;
      const w = Math.max(l.colMax[a], r.colMax[b]) - Math.min(l.colMin[a], r.colMin[b]) + 1;
      if (boxOk[h > w ? h : w]) mask[a * right.n + b] = 1;
    }
  return mask;
}
