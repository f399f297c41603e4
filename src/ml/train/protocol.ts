import type { Samples } from "./data";

/** Messages between the data-parallel trainer (main thread) and its worker threads. */
export interface WorkerInit {
  modelJson: string;
  weights: Float32Array[];
  classes: number;
  learningRate: number;
  listwise: boolean;
  train: Samples;
  validation?: Samples;
  /** Shared epoch permutation of training rows, rewritten by the main thread before each epoch. */
  order: Int32Array;
  /** Shared [workers][parameters] gradient slots, then one averaged slot at the end. */
  gradients: Float32Array;
  slot: number;
}

export type Request =
  | { cmd: "step"; start: number; count: number }
  | { cmd: "apply" }
  | { cmd: "learningRate"; value: number }
  | { cmd: "evaluate"; start: number; count: number }
  | { cmd: "weights" }
  | { cmd: "tensors" };

export type Reply =
  | { cmd: "ready"; parameterCount: number; backend: string }
  | { cmd: "step"; loss: number }
  | { cmd: "apply" }
  | { cmd: "learningRate" }
  | { cmd: "evaluate"; lossSum: number; correct: number }
  | { cmd: "weights"; weights: Float32Array[] }
  | { cmd: "tensors"; numTensors: number }
  | { cmd: "error"; message: string };
