import * as tf from "@tensorflow/tfjs";
import { registerCpuFallbacks } from "./cpu-fallback";
import { registerWasmTrainingKernels } from "./kernels";

/**
 * The one place that picks the TensorFlow.js backend; the rest of the code just uses `tf`.
 * Order: tfjs-node-gpu (CUDA) -> tfjs-node (native TensorFlow) -> wasm -> cpu (pure JS).
 * The native packages are optional dependencies that install only where libtensorflow can be downloaded.
 * WS_TF_BACKEND=tensorflow|wasm|cpu forces one.
 */
export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  name: BackendName;
  /** e.g. "tfjs-node-gpu", "wasm (simd)", "cpu" */
  detail: string;
  /** Kernels the wasm backend lacks, served by the cpu backend's implementation. */
  fallbackKernels: string[];
}

let chosen: Promise<BackendInfo> | undefined;

/** Picks the backend once per thread and logs the choice (unless quiet: worker threads). */
export function initBackend(options: { quiet?: boolean } = {}): Promise<BackendInfo> {
  chosen ??= choose().then((info) => {
    quietCpuBanner();
    const extra = info.fallbackKernels.length ? `; ${info.fallbackKernels.length} kernels via cpu fallback` : "";
    if (!options.quiet) console.log(`[ml] TensorFlow.js backend: ${info.detail}${extra}`);
    return info;
  });
  return chosen;
}

async function choose(): Promise<BackendInfo> {
  const forced = process.env.WS_TF_BACKEND as BackendName | undefined;
  if (forced && !["tensorflow", "wasm", "cpu"].includes(forced)) {
    throw new Error(`WS_TF_BACKEND must be tensorflow, wasm or cpu, not "${forced}"`);
  }
  const want = (n: BackendName) => !forced || forced === n;
  if (want("tensorflow")) {
    for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
      if (await tryNative(pkg)) return { name: "tensorflow", detail: pkg.replace("@tensorflow/", ""), fallbackKernels: [] };
    }
    if (forced) throw new Error("WS_TF_BACKEND=tensorflow but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads");
  }
  if (want("wasm")) {
    try {
      require("@tensorflow/tfjs-backend-wasm");
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        const fallbackKernels = registerCpuFallbacks("wasm");
        const fastKernels = registerWasmTrainingKernels();
        const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
        return { name: "wasm", detail: `wasm${simd ? " (simd)" : ""}`, fallbackKernels: fallbackKernels.filter((k) => !fastKernels.includes(k)) };
      }
    } catch (e) {
      if (forced) throw e;
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return { name: "cpu", detail: "cpu (pure JavaScript)", fallbackKernels: [] };
}

async function tryNative(pkg: string): Promise<boolean> {
  try {
    require(pkg);
    return await tf.setBackend("tensorflow");
  } catch {
    return false; // not installed, or libtensorflow / CUDA missing: try the next one
  }
}

/** The cpu backend prints a "use tfjs-node" banner on first use (wasm's fallbacks use it too); the choice is logged instead. */
function quietCpuBanner(): void {
  const cpu = tf.engine().findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}
