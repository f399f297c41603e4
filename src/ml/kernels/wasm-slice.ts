import * as tf from "@tensorflow/tfjs";

type WasmBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
};

/**
 * Slice for the wasm backend that reads its input through a view of the wasm heap. The stock kernel
 * calls readSync, which copies the whole input out of the heap on every call: taking a 128-row batch
 * from a 60,000-row tensor then costs a 188 MB copy, and batching in model.fit/predict crawls.
 */
export function registerWasmSlice(): void {
  const stock = tf.getKernel("Slice", "wasm");
  if (!stock) return;
  tf.unregisterKernel("Slice", "wasm");
  tf.registerKernel({
    kernelName: "Slice",
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args;
      const x = inputs.x as tf.TensorInfo;
      if (x.dtype === "string") return stock.kernelFunc(args);
      const backend = args.backend as WasmBackend;
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs!.begin as number[], attrs!.size as number[]);
      // Allocate first: growing the heap detaches earlier views.
      const out = backend.makeOutput(size, x.dtype);
      const outVals = backend.typedArrayFromHeap(out);
      const xVals = backend.typedArrayFromHeap(x);
      copySlice(xVals, x.shape, begin, size, outVals);
      return out;
    },
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
