export { initBackend, type BackendInfo, type BackendName } from "./backend";
export { registerCpuFallbacks } from "./cpu-fallback";
export { referenceCnn } from "./models";
export { OnnxClassifier, toOnnx } from "./onnx";
export { evaluate, fit, sampleSize, type EpochLog, type FitOptions, type FitResult, type Samples } from "./train";
