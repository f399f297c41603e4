import * as tf from "@tensorflow/tfjs";
import { overrideWasmKernel, type KernelArgs, type WasmBackend } from "./wasm-heap";

/**
 * MaxPoolGrad: each output's gradient goes to the first element of its window, in row-major order, that
 * equals the pooled maximum: the cpu backend's first-strict-maximum rule (which matters after relu,
 * where windows of zeros tie), found by equality with the forward output instead of a branchy search.
 * The stock wasm kernel takes ~40 ms per pooling layer of the reference CNN.
 */
function maxPoolGrad(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { dy, input, output } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
    if (input.dtype !== "float32" || !output) return previous(args);
    const a = args.attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: "valid" | "same" | number; dimRoundingMode?: "floor" | "round" | "ceil" };
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const { batchSize: nb, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const { filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    const out = backend.makeOutput(input.shape, "float32");
    const dx = backend.typedArrayFromHeap(out);
    const x = backend.typedArrayFromHeap(input);
    const y = backend.typedArrayFromHeap(output);
    const g = backend.typedArrayFromHeap(dy);
    if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && oh * 2 <= h && ow * 2 <= w) {
      tiled2x2(x, y, g, dx, nb, h, w, c, oh, ow);
      return out;
    }
    dx.fill(0);
    const window = new Int32Array(fh * fw); // offsets of the window's in-bounds positions, in scan order
    for (let n = 0; n < nb; n++)
      for (let r = 0; r < oh; r++)
        for (let q = 0; q < ow; q++) {
          let size = 0;
          for (let i = 0; i < fh; i++) {
            const ih = r * sh - top + i;
            if (ih < 0 || ih >= h) continue;
            for (let j = 0; j < fw; j++) {
              const iw = q * sw - left + j;
              if (iw >= 0 && iw < w) window[size++] = ((n * h + ih) * w + iw) * c;
            }
          }
          const o = ((n * oh + r) * ow + q) * c;
          for (let ch = 0; ch < c; ch++) {
            const max = y[o + ch];
            if (max === -Infinity) continue; // no element beats -Infinity: no gradient, as on cpu
            for (let k = 0; k < size; k++) {
              const idx = window[k] + ch;
              if (x[idx] === max) {
                dx[idx] += g[o + ch];
                break;
              }
            }
          }
        }
    return out;
  };
}

/**
 * The common 2x2, stride-2, unpadded pooling: windows tile the input without overlap, so each of the four
 * positions is written exactly once (gradient or zero) and nothing needs clearing or accumulating.
 */
function tiled2x2(x: Float32Array | Int32Array | Uint8Array, y: ArrayLike<number>, g: ArrayLike<number>, dx: Float32Array | Int32Array | Uint8Array, nb: number, h: number, w: number, c: number, oh: number, ow: number): void {
  if (h % 2 || w % 2) dx.fill(0); // the row or column no window covers
  const row = w * c;
  for (let n = 0; n < nb; n++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++) {
        const p00 = ((n * h + 2 * r) * w + 2 * q) * c;
        const p01 = p00 + c;
        const p10 = p00 + row;
        const p11 = p10 + c;
        const o = ((n * oh + r) * ow + q) * c;
        for (let ch = 0; ch < c; ch++) {
          const max = y[o + ch];
          const grad = max === -Infinity ? 0 : g[o + ch]; // nothing beats -Infinity on cpu: no gradient
          let a = 0;
          let b = 0;
          let d = 0;
          let e = 0;
          if (x[p00 + ch] === max) a = grad;
          else if (x[p01 + ch] === max) b = grad;
          else if (x[p10 + ch] === max) d = grad;
          else if (x[p11 + ch] === max) e = grad;
          dx[p00 + ch] = a;
          dx[p01 + ch] = b;
          dx[p10 + ch] = d;
          dx[p11 + ch] = e;
        }
      }
}

/**
 * Sum over leading axes (the bias gradient of conv and dense layers: [N,H,W,C] -> [C]) in one streaming
 * pass, four rows at a time; the stock kernel first transposes the reduced axes to the end, and a
 * matrix product with a ones vector would repack the whole input. Other reductions: previous kernel.
 */
function sum(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(a.axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((ax, i) => ax === i);
    if (x.dtype !== "float32" || !leading) return previous(args);
    const inner = x.shape.slice(axes.length).reduce((p, q) => p * q, 1);
    const rows = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1);
    const shape = a.keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const out = backend.makeOutput(shape, "float32");
    const v = backend.typedArrayFromHeap(x);
    const acc = new Float64Array(inner);
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const b = r * inner;
      for (let j = 0; j < inner; j++) acc[j] += v[b + j] + v[b + inner + j] + v[b + 2 * inner + j] + v[b + 3 * inner + j];
    }
    for (; r < rows; r++) for (let j = 0; j < inner; j++) acc[j] += v[r * inner + j];
    backend.typedArrayFromHeap(out).set(acc);
    return out;
  };
}

export function registerPoolAndReduce(): void {
  overrideWasmKernel("MaxPoolGrad", maxPoolGrad);
  overrideWasmKernel("Sum", sum);
}
