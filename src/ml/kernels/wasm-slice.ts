import * as tf from "@tensorflow/tfjs";
import { overrideWasmKernel, type KernelArgs, type WasmBackend } from "./wasm-heap";

/**
 * Slice for the wasm backend that reads its input through a view of the wasm heap. The stock kernel
 * calls readSync, which copies the whole input out of the heap on every call: taking a 128-row batch
 * from a 60,000-row tensor then costs a 188 MB copy, and batching in model.fit/predict crawls.
 */
export function registerWasmSlice(): void {
  overrideWasmKernel("Slice", (previous) => (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string") return previous(args);
    const backend = args.backend as WasmBackend;
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, args.attrs!.begin as number[], args.attrs!.size as number[]);
    // Allocate first: growing the heap detaches earlier views.
    const out = backend.makeOutput(size, x.dtype);
    copySlice(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
    return out;
  });
}

/** Copies the box [begin, begin+size) of a row-major array, one contiguous innermost run at a time. */
function copySlice(x: tf.backend_util.TypedArray, shape: number[], begin: number[], size: number[], out: tf.backend_util.TypedArray): void {
  const rank = shape.length;
  if (out.length === 0) return;
  if (tf.slice_util.isSliceContinous(shape, begin, size)) {
    const strides = tf.util.computeStrides(shape);
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    out.set(x.subarray(offset, offset + out.length));
    return;
  }
  const strides = [...tf.util.computeStrides(shape), 1];
  const inner = size[rank - 1];
  const idx = new Array<number>(rank - 1).fill(0);
  let o = 0;
  for (;;) {
    let off = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) off += (begin[d] + idx[d]) * strides[d];
    out.set(x.subarray(off, off + inner), o);
    o += inner;
    let d = rank - 2;
    while (d >= 0 && ++idx[d] === size[d]) idx[d--] = 0;
    if (d < 0) break;
  }
}
