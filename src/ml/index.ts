export { initBackend, type BackendInfo, type BackendName } from "./backend";
export { registerCpuFallbacks } from "./cpu-fallback";
