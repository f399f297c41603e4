import * as tf from "@tensorflow/tfjs";

/** The parts of tfjs-backend-wasm's BackendWasm that kernels written in TypeScript use. */
export type WasmBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of the tensor's memory on the wasm heap. Invalidated when the heap grows: allocate first. */
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: object, force?: boolean): boolean;
  dataIdMap: { get(dataId: object): { shape: number[] } };
};

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Replaces a wasm kernel, giving the replacement the kernel it replaces (the stock wasm one, or the cpu
 * fallback) for the cases it does not speed up.
 */
export function overrideWasmKernel(name: string, make: (previous: tf.KernelFunc) => tf.KernelFunc): void {
  const previous = tf.getKernel(name, "wasm");
  if (!previous) throw new Error(`no wasm kernel ${name} to override`);
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: make(previous.kernelFunc) });
}

/** Calls a stock wasm kernel from inside another kernel (kernel-level composition, no tape, no engine). */
export function callWasm(name: string, backend: WasmBackend, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown> = {}): tf.TensorInfo {
  const k = tf.getKernel(name, "wasm");
  if (!k) throw new Error(`no wasm kernel ${name}`);
  return k.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

/** The same memory seen with another shape of equal size (what Reshape does, without its refcount). */
export function view(t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Hands an output to the engine under a new shape of equal size. */
export function reshapeOutput(backend: WasmBackend, t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.dataIdMap.get(t.dataId).shape = shape;
  return view(t, shape);
}
