import { UserError } from "../../errors";

/** Samples for training or evaluation: n rows of `shape` floats each, and integer class labels. */
export interface Samples {
  x: Float32Array;
  y: Int32Array | Uint8Array;
  /** Shape of one sample, e.g. [28, 28, 1]. */
  shape: number[];
}

export function sampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function count(s: Samples): number {
  return s.y.length;
}

/** Validates sizes and labels once, up front, with messages that say what is wrong. */
export function checkSamples(s: Samples, classes: number, what: string): void {
  const size = sampleSize(s.shape);
  if (s.x.length !== s.y.length * size) {
    throw new UserError(`${what}: x has ${s.x.length} values, expected ${s.y.length} samples x ${size} (shape ${s.shape.join("x")})`);
  }
  if (s.y.length === 0) throw new UserError(`${what}: no samples`);
  for (let i = 0; i < s.y.length; i++) {
    const c = s.y[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new UserError(`${what}: label ${c} at row ${i} is not a class 0-${classes - 1}`);
  }
}

/** Copies samples into SharedArrayBuffers, so worker threads read them without copies of their own. */
export function shareSamples(s: Samples): Samples {
  const x = new Float32Array(new SharedArrayBuffer(s.x.byteLength));
  x.set(s.x);
  const y = new Int32Array(new SharedArrayBuffer(s.y.length * 4));
  y.set(s.y);
  return { x, y, shape: s.shape };
}

/** Rows `order[start..start+n)` of s, gathered into fresh arrays (a batch). */
export function gatherRows(s: Samples, order: ArrayLike<number>, start: number, n: number): { x: Float32Array; y: Int32Array } {
  const size = sampleSize(s.shape);
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = order[start + i];
    x.set(s.x.subarray(row * size, (row + 1) * size), i * size);
    y[i] = s.y[row];
  }
  return { x, y };
}
