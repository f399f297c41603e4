export { evaluate, fit, type FitOptions, type FitResult, type EpochLog } from "./fit";
export { type Samples, sampleSize } from "./data";
