import * as tf from "@tensorflow/tfjs";
import { callWasm, overrideWasmKernel, type KernelArgs, type WasmBackend } from "./wasm-heap";

/**
 * BatchMatMul with transposeA or transposeB (every dense layer's backward pass) runs 10x slower on the
 * stock wasm kernel than the plain product: transpose explicitly, then multiply without transposes.
 * The right operand is repacked by XNNPACK on every call, so A.B^T with B the larger is computed as
 * (B.A^T)^T: for dy.W^T in a dense layer's backward pass that packs dy instead of the weights.
 */
function batchMatMul(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if ((!transposeA && !transposeB) || a.dtype !== "float32") return previous(args);
    const temps: tf.TensorInfo[] = []; // intermediate results, disposed before returning
    const flip = (t: tf.TensorInfo): tf.TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      return callWasm("Transpose", backend, { x: t }, { perm });
    };
    const temp = (t: tf.TensorInfo) => (temps.push(t), t);
    const plain = { ...args.attrs, transposeA: false, transposeB: false };
    const size = (t: tf.TensorInfo) => t.shape.reduce((p, q) => p * q, 1);
    let out: tf.TensorInfo;
    if (transposeB && !transposeA && size(b) > size(a)) {
      out = flip(temp(previous({ ...args, inputs: { a: b, b: temp(flip(a)) }, attrs: plain }) as tf.TensorInfo));
    } else {
      out = previous({ ...args, inputs: { a: transposeA ? temp(flip(a)) : a, b: transposeB ? temp(flip(b)) : b }, attrs: plain }) as tf.TensorInfo;
    }
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

export function registerMatMul(): void {
  overrideWasmKernel("BatchMatMul", batchMatMul);
}
