import type { Samples } from "./data";

/** What fit()'s epoch loop needs from a trainer: one optimizer step over rows of the epoch order, evaluation, weights. */
export interface Engine {
  step(order: Int32Array, start: number, count: number): Promise<number>;
  setLearningRate(value: number): Promise<void>;
  evaluate(v: Samples): Promise<{ loss: number; accuracy: number }>;
  weights(): Promise<Float32Array[]>;
  tensors(): Promise<number>;
  close(): Promise<void>;
}
