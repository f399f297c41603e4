import * as tf from "@tensorflow/tfjs";
import { callWasm, overrideWasmKernel, reshapeOutput, view, type KernelArgs, type WasmBackend } from "./wasm-heap";

/**
 * Convolution kernels for the wasm backend. Gradients are, routed through its fast primitives (XNNPACK convolution
 * and matrix multiply) instead of naive loops: the stock Conv2DBackpropInput runs at ~3 GFLOP/s and
 * there is no Conv2DBackpropFilter at all (the cpu fallback takes over a minute per batch).
 * Only NHWC float32 is handled here; anything else goes to the previous kernel.
 */

type ConvAttrs = {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
};

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/**
 * dx = full correlation of dy (zero-interleaved for strides > 1) with the filter rotated 180 degrees and
 * its channel axes swapped: one stride-1 XNNPACK convolution with explicit padding.
 */
function backpropInput(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    if (a.dataFormat !== "NHWC" || dy.dtype !== "float32") return previous(args);
    const info = convInfo(a.inputShape, filter.shape, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: c, outChannels: f } = info;
    const { top, left } = info.padInfo;
    const dilH = (info.outHeight - 1) * sh + 1;
    const dilW = (info.outWidth - 1) * sw + 1;
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    const padBottom = info.inHeight - dilH + top;
    const padRight = info.inWidth - dilW + left;
    if (Math.min(padTop, padLeft, padBottom, padRight) < 0) return previous(args);

    const rotated = backend.makeOutput([kh, kw, f, c], "float32");
    const spread = sh > 1 || sw > 1 ? backend.makeOutput([info.batchSize, dilH, dilW, f], "float32") : null;
    {
      const w = backend.typedArrayFromHeap(filter);
      const r = backend.typedArrayFromHeap(rotated);
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          for (let ci = 0; ci < c; ci++) {
            const src = (((kh - 1 - i) * kw + (kw - 1 - j)) * c + ci) * f;
            for (let fi = 0; fi < f; fi++) r[((i * kw + j) * f + fi) * c + ci] = w[src + fi];
          }
      if (spread) {
        const d = backend.typedArrayFromHeap(dy);
        const s = backend.typedArrayFromHeap(spread);
        s.fill(0);
        for (let n = 0; n < info.batchSize; n++)
          for (let oh = 0; oh < info.outHeight; oh++)
            for (let ow = 0; ow < info.outWidth; ow++) {
              const from = ((n * info.outHeight + oh) * info.outWidth + ow) * f;
              s.set(d.subarray(from, from + f), ((n * dilH + oh * sh) * dilW + ow * sw) * f);
            }
      }
    }
    const out = callWasm("Conv2D", backend, { x: spread ?? dy, filter: rotated }, {
      strides: [1, 1],
      pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
      dataFormat: "NHWC",
      dilations: [1, 1],
    });
    backend.disposeData(rotated.dataId);
    if (spread) backend.disposeData(spread.dataId);
    return out;
  };
}

/**
 * dW = im2col(x)^T . dy, on the wasm backend's matrix multiply. That kernel packs its right operand anew
 * on every call (XNNPACK caches packed operands by tensor, and these are fresh each step), at a cost of
 * ~10 ns per element, so the smaller of the two [M, .] matrices goes on the right:
 * - K = KH*KW*C >= F (e.g. 3x3x32 -> 64): dW = cols^T[K,M] . dy[M,F], the transposed patch matrix built
 *   from channel planes of x;
 * - K < F (e.g. the first layer, 3x3x1 -> 32): dW^T = dy^T[F,M] . cols[M,K], then a small transpose.
 */
function backpropFilter(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    if (a.dataFormat !== "NHWC" || x.dtype !== "float32") return previous(args);
    const info = convInfo(x.shape, a.filterShape, a);
    const k = info.filterHeight * info.filterWidth * info.inChannels;
    const m = info.batchSize * info.outHeight * info.outWidth;
    const f = info.outChannels;
    if (k < f) {
      const cols = patchRows(backend, x, info, m, k);
      const dyT = callWasm("Transpose", backend, { x: view(dy, [m, f]) }, { perm: [1, 0] });
      const prod = callWasm("BatchMatMul", backend, { a: view(dyT, [1, f, m]), b: cols }, { transposeA: false, transposeB: false });
      backend.disposeData(cols.dataId);
      backend.disposeData(dyT.dataId);
      const out = callWasm("Transpose", backend, { x: view(prod, [f, k]) }, { perm: [1, 0] });
      backend.disposeData(prod.dataId);
      return reshapeOutput(backend, out, a.filterShape);
    }
    const cols = patchColumns(backend, x, info, m, k);
    const out = callWasm("BatchMatMul", backend, { a: cols, b: view(dy, [1, m, f]) }, { transposeA: false, transposeB: false });
    backend.disposeData(cols.dataId);
    return reshapeOutput(backend, out, a.filterShape);
  };
}

/** im2col: [1, M, K], one row per output position, each a run of contiguous channel copies. */
function patchRows(backend: WasmBackend, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, m: number, k: number): tf.TensorInfo {
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const cols = backend.makeOutput([1, m, k], "float32");
  const xv = backend.typedArrayFromHeap(x);
  const cv = backend.typedArrayFromHeap(cols);
  let o = 0;
  for (let n = 0; n < nb; n++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let i = 0; i < kh; i++) {
          const ih = r * sh + i - top;
          for (let j = 0; j < kw; j++) {
            const iw = q * sw + j - left;
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
              cv.fill(0, o, o + c);
              o += c;
              continue;
            }
            let src = ((n * h + ih) * w + iw) * c;
            for (let ci = 0; ci < c; ci++) cv[o++] = xv[src++];
          }
        }
  return cols;
}

/**
 * Transposed im2col: [1, K, M], one row per filter tap and input channel. Built from channel planes of x
 * ([C,N,H,W], one C++ transpose), so each row copies contiguous runs.
 */
function patchColumns(backend: WasmBackend, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, m: number, k: number): tf.TensorInfo {
  const { batchSize: nb, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const planes = callWasm("Transpose", backend, { x }, { perm: [3, 0, 1, 2] });
  const cols = backend.makeOutput([1, k, m], "float32");
  const xv = backend.typedArrayFromHeap(planes);
  const cv = backend.typedArrayFromHeap(cols);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      // Output columns q whose input column q*sw + j - left lies inside the image.
      const q0 = Math.min(ow, Math.max(0, Math.ceil((left - j) / sw)));
      const q1 = Math.max(q0, Math.min(ow, Math.floor((w - 1 - j + left) / sw) + 1));
      for (let ci = 0; ci < c; ci++) {
        let o = ((i * kw + j) * c + ci) * m;
        for (let n = 0; n < nb; n++)
          for (let r = 0; r < oh; r++, o += ow) {
            const ih = r * sh + i - top;
            if (ih < 0 || ih >= h) {
              cv.fill(0, o, o + ow);
              continue;
            }
            const src = ((ci * nb + n) * h + ih) * w + j - left;
            for (let q = 0; q < q0; q++) cv[o + q] = 0;
            for (let q = q0; q < q1; q++) cv[o + q] = xv[src + q * sw];
            for (let q = q1; q < ow; q++) cv[o + q] = 0;
          }
      }
    }
  backend.disposeData(planes.dataId);
  return cols;
}

/**
 * Forward convolution with "same" padding handed to XNNPACK as the equivalent explicit padding: the stock
 * kernel passes XNNPACK's same-padding flag, which returns all zeros for some shapes (e.g. a 2x1 filter
 * with strides [1, 2] on tfjs-backend-wasm 4.22).
 */
function samePaddingAsExplicit(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = args.attrs as unknown as ConvAttrs & { dilations?: number | [number, number] };
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    if (a.pad !== "same" || a.dataFormat !== "NHWC") return previous(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      a.strides,
      a.dilations ?? 1,
      "same",
      a.dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    return previous({ ...args, attrs: { ...args.attrs, pad: [[0, 0], [top, bottom], [left, right], [0, 0]] } });
  };
}

export function registerConv(): void {
  overrideWasmKernel("Conv2D", samePaddingAsExplicit);
  overrideWasmKernel("FusedConv2D", samePaddingAsExplicit);
  overrideWasmKernel("Conv2DBackpropInput", backpropInput);
  overrideWasmKernel("Conv2DBackpropFilter", backpropFilter);
}
