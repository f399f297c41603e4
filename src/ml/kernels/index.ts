import { registerConv } from "./conv";
import { registerMatMul } from "./matmul";
import { registerPoolAndReduce } from "./pool-reduce";
import { registerWasmSlice } from "./wasm-slice";

/**
 * The wasm backend's training kernels written in TypeScript over its heap and primitives. Called after
 * the cpu fallbacks are registered, so that a replacement can hand unusual cases to whatever was there.
 */
export function registerWasmTrainingKernels(): string[] {
  registerWasmSlice();
  registerMatMul();
  registerConv();
  registerPoolAndReduce();
  return ["Slice", "BatchMatMul", "Conv2D", "FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPoolGrad", "Sum"];
}
