import * as tf from "@tensorflow/tfjs";

type TensorInfo = { dataId: object; shape: number[]; dtype: tf.DataType };
type AnyBackend = tf.KernelBackend & {
  readSync(dataId: object): tf.backend_util.BackendValues;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
};

/**
 * Registers, for `backendName`, every kernel it lacks that the cpu backend has, by running the cpu
 * kernel on copies of the inputs. Correct but not fast: hot kernels get native implementations in
 * src/ml (registered before this runs, so they are not shadowed). Returns the kernel names it filled in.
 */
export function registerCpuFallbacks(backendName: string): string[] {
  const cpuKernels = tf.getKernelsForBackend("cpu");
  const have = new Set(tf.getKernelsForBackend(backendName).map((k) => k.kernelName));
  const added: string[] = [];
  for (const k of cpuKernels) {
    if (have.has(k.kernelName)) continue;
    tf.registerKernel({ kernelName: k.kernelName, backendName, kernelFunc: viaCpu(k.kernelFunc) });
    added.push(k.kernelName);
  }
  return added.sort();
}

function viaCpu(cpuKernel: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const target = backend as AnyBackend;
    const cpu = tf.engine().findBackend("cpu") as AnyBackend;
    const cpuInputs: Record<string, TensorInfo> = {};
    for (const [name, t] of Object.entries(inputs as Record<string, TensorInfo>)) {
      if (!t) continue;
      cpuInputs[name] = { dataId: cpu.write(target.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
    }
    try {
      const out = cpuKernel({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu, attrs });
      const outs = (Array.isArray(out) ? out : [out]) as TensorInfo[];
      const moved = outs.map((o) => {
        const dataId = target.write(cpu.readSync(o.dataId), o.shape, o.dtype);
        cpu.disposeData(o.dataId);
        return { dataId, shape: o.shape, dtype: o.dtype };
      });
      return (Array.isArray(out) ? moved : moved[0]) as tf.TensorInfo | tf.TensorInfo[];
    } finally {
      for (const t of Object.values(cpuInputs)) cpu.disposeData(t.dataId);
    }
  };
}
