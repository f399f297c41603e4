import * as tf from "@tensorflow/tfjs";
import { callWasm, overrideWasmKernel, type KernelArgs, type WasmBackend } from "./wasm-heap";

/**
 * BatchMatMul with transposeA or transposeB (every dense layer's backward pass) runs 10x slower on the
 * stock wasm kernel than the plain product: transpose explicitly, then multiply without transposes.
 */
function batchMatMul(previous: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if ((!transposeA && !transposeB) || a.dtype !== "float32") return previous(args);
    const temps: tf.TensorInfo[] = [];
    const flip = (t: tf.TensorInfo): tf.TensorInfo => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
      const out = callWasm("Transpose", backend, { x: t }, { perm });
      temps.push(out);
      return out;
    };
    const out = previous({ ...args, inputs: { a: transposeA ? flip(a) : a, b: transposeB ? flip(b) : b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

export function registerMatMul(): void {
  overrideWasmKernel("BatchMatMul", batchMatMul);
}
