import { UserError } from "../errors";
import { MNIST_PIXELS, MNIST_SIDE, type MnistSplit } from "../data/mnist";
import { permutation } from "../util/random";

/** Challenge [01]: each digit cut into columns 0-13 (left) and 14-27 (right). */
export const HALF_WIDTH = MNIST_SIDE / 2;
export const HALF_PIXELS = MNIST_SIDE * HALF_WIDTH;

/** n halves of 28 rows x 14 columns each, row-major. */
export interface Halves {
  n: number;
  pixels: Uint8Array;
}

/**
 * The puzzle: two shuffled piles of halves. Left pile item a came from image leftSource[a], right pile
 * item b from rightSource[b]; the answer key is truth[a] = the right-pile index of a's partner.
 * Labels are per left-pile item, for reporting only.
 */
export interface HalvesTask {
  left: Halves;
  right: Halves;
  leftSource: Uint32Array;
  rightSource: Uint32Array;
  truth: Int32Array;
  labels: Uint8Array;
}

/** Cuts every image into its left and right halves, in the images' order. */
export function splitHalves(split: MnistSplit): { left: Halves; right: Halves } {
  const left = new Uint8Array(split.n * HALF_PIXELS);
  const right = new Uint8Array(split.n * HALF_PIXELS);
  for (let i = 0; i < split.n; i++) {
    for (let r = 0; r < MNIST_SIDE; r++) {
      const src = i * MNIST_PIXELS + r * MNIST_SIDE;
      const dst = i * HALF_PIXELS + r * HALF_WIDTH;
      left.set(split.images.subarray(src, src + HALF_WIDTH), dst);
      right.set(split.images.subarray(src + HALF_WIDTH, src + MNIST_SIDE), dst);
    }
  }
  return { left: { n: split.n, pixels: left }, right: { n: split.n, pixels: right } };
}

/**
 * Aligned halves (left[i] and right[i] from one image) of the same images cut `delta` columns right of
 * the middle (the image moved left by delta, blank columns shifted in): training data augmentation, a
 * new pair of halves per image with the same continuity across the cut. Offset 0: the halves themselves.
 */
export function recut(left: Halves, right: Halves, delta: number): { left: Halves; right: Halves } {
  if (left.n !== right.n) throw new UserError(`recut needs aligned halves: ${left.n} left, ${right.n} right`);
  if (!(Number.isInteger(delta) && Math.abs(delta) < HALF_WIDTH)) throw new UserError(`cut offset must be an integer within ±${HALF_WIDTH - 1}, not ${delta}`);
  if (delta === 0) return { left, right };
  const l = new Uint8Array(left.pixels.length);
  const r = new Uint8Array(right.pixels.length);
  const pixel = (i: number, row: number, col: number) => {
    if (col < 0 || col >= MNIST_SIDE) return 0;
    const h = col < HALF_WIDTH ? left : right;
    return h.pixels[i * HALF_PIXELS + row * HALF_WIDTH + (col % HALF_WIDTH)];
  };
  for (let i = 0; i < left.n; i++)
    for (let row = 0; row < MNIST_SIDE; row++)
      for (let c = 0; c < HALF_WIDTH; c++) {
        l[i * HALF_PIXELS + row * HALF_WIDTH + c] = pixel(i, row, c + delta);
        r[i * HALF_PIXELS + row * HALF_WIDTH + c] = pixel(i, row, HALF_WIDTH + c + delta);
      }
  return { left: { n: left.n, pixels: l }, right: { n: right.n, pixels: r } };
}

/** Rejoins left[a] with right[leftToRight[a]] for every a: 28x28 images in left-pile order. */
export function joinHalves(left: Halves, right: Halves, leftToRight: ArrayLike<number>): Uint8Array {
  if (left.n !== right.n) throw new UserError(`${left.n} left halves but ${right.n} right halves: a one-to-one pairing needs equal piles`);
  if (leftToRight.length !== left.n) throw new UserError(`pairing has ${leftToRight.length} entries for ${left.n} left halves`);
  return joinPairs(left, right, Int32Array.from({ length: left.n }, (_, a) => a), leftToRight);
}

/** The 28x28 images of the pairs (left[rows[p]], right[cols[p]]), in pair order. */
export function joinPairs(left: Halves, right: Halves, rows: ArrayLike<number>, cols: ArrayLike<number>): Uint8Array {
  if (rows.length !== cols.length) throw new UserError(`${rows.length} left indices but ${cols.length} right indices`);
  const out = new Uint8Array(rows.length * MNIST_PIXELS);
  for (let p = 0; p < rows.length; p++) {
    const a = rows[p];
    const b = cols[p];
    if (!(a >= 0 && a < left.n)) throw new UserError(`pair ${p} names left half ${a}, not one of 0-${left.n - 1}`);
    if (!(b >= 0 && b < right.n)) throw new UserError(`left half ${a} is paired with ${b}, not a right half 0-${right.n - 1}`);
    for (let r = 0; r < MNIST_SIDE; r++) {
      const dst = p * MNIST_PIXELS + r * MNIST_SIDE;
      out.set(left.pixels.subarray(a * HALF_PIXELS + r * HALF_WIDTH, a * HALF_PIXELS + (r + 1) * HALF_WIDTH), dst);
      out.set(right.pixels.subarray(b * HALF_PIXELS + r * HALF_WIDTH, b * HALF_PIXELS + (r + 1) * HALF_WIDTH), dst + HALF_WIDTH);
    }
  }
  return out;
}

function reorder(h: Halves, order: Uint32Array): Halves {
  const pixels = new Uint8Array(h.pixels.length);
  order.forEach((src, i) => pixels.set(h.pixels.subarray(src * HALF_PIXELS, (src + 1) * HALF_PIXELS), i * HALF_PIXELS));
  return { n: h.n, pixels };
}

/** Splits a set of images and shuffles both piles with seeded, independent permutations. */
export function makeHalvesTask(split: MnistSplit, seed: number): HalvesTask {
  const { left, right } = splitHalves(split);
  const leftSource = permutation(split.n, seed);
  const rightSource = permutation(split.n, seed + 1);
  const rightIndexOf = new Int32Array(split.n);
  rightSource.forEach((src, b) => (rightIndexOf[src] = b));
  const truth = Int32Array.from(leftSource, (src) => rightIndexOf[src]);
  const labels = Uint8Array.from(leftSource, (src) => split.labels[src]);
  return { left: reorder(left, leftSource), right: reorder(right, rightSource), leftSource, rightSource, truth, labels };
}

/** Undoes the shuffle given a pairing: the images back in their original order (exact when the pairing is right). */
export function restoreImages(task: HalvesTask, leftToRight: ArrayLike<number>): Uint8Array {
  const joined = joinHalves(task.left, task.right, leftToRight);
  const out = new Uint8Array(joined.length);
  task.leftSource.forEach((src, a) => out.set(joined.subarray(a * MNIST_PIXELS, (a + 1) * MNIST_PIXELS), src * MNIST_PIXELS));
  return out;
}

/** Share of left halves paired with their true partner. */
export function pairsRestored(task: Pick<HalvesTask, "truth">, leftToRight: ArrayLike<number>): number {
  let ok = 0;
  for (let a = 0; a < task.truth.length; a++) if (leftToRight[a] === task.truth[a]) ok++;
  return ok / task.truth.length;
}
