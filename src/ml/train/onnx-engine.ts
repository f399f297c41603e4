import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { trainingGraphs } from "../onnx-grad";
import { Adam } from "./adam";
import { count, gatherRows, sampleSize, type Samples } from "./data";
import type { Engine } from "./engine";
import { readWeights } from "./replica";

/**
 * Trains through ONNX Runtime: its native kernels run the model's forward and backward graphs (built by
 * onnx-grad) on `threads` cores; the weights and Adam's state live here, in plain arrays.
 */
export class OnnxEngine implements Engine {
  private readonly adam: Adam;

  private constructor(
    private readonly trainSession: ort.InferenceSession,
    private readonly forwardSession: ort.InferenceSession,
    private readonly shapes: number[][],
    private readonly current: Float32Array[],
    private readonly train: Samples,
    private readonly classes: number,
    learningRate: number,
  ) {
    this.adam = new Adam(current.map((w) => w.length), learningRate);
  }

  static async start(model: tf.LayersModel, train: Samples, o: { classes: number; listwise: boolean; learningRate: number; threads: number }): Promise<OnnxEngine> {
    const graphs = trainingGraphs(model, o);
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ["cpu"], graphOptimizationLevel: "all", intraOpNumThreads: o.threads, interOpNumThreads: 1 };
    const trainSession = await ort.InferenceSession.create(graphs.train, options);
    const forwardSession = await ort.InferenceSession.create(graphs.forward, options);
    return new OnnxEngine(trainSession, forwardSession, graphs.weightShapes, readWeights(model), train, o.classes, o.learningRate);
  }

  private weightFeeds(): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    this.current.forEach((w, i) => (feeds[`w${i}`] = new ort.Tensor("float32", w, this.shapes[i])));
    return feeds;
  }

  async step(order: Int32Array, start: number, n: number): Promise<number> {
    const b = gatherRows(this.train, order, start, n);
    const target = new Float32Array(n * this.classes);
    for (let i = 0; i < n; i++) target[i * this.classes + b.y[i]] = 1;
    const out = await this.trainSession.run({
      ...this.weightFeeds(),
      x: new ort.Tensor("float32", b.x, [n, ...this.train.shape]),
      target: new ort.Tensor("float32", target, [n, this.classes]),
      scale: new ort.Tensor("float32", Float32Array.of(1 / n), []),
    });
    this.adam.apply(this.current, this.shapes.map((_, i) => out[`g${i}`].data as Float32Array));
    return (out.loss.data as Float32Array)[0];
  }

  async setLearningRate(value: number): Promise<void> {
    this.adam.learningRate = value;
  }

  /** Mean softmax cross-entropy and top-1 accuracy, from logits computed in batches. */
  async evaluate(v: Samples, batch = 1024): Promise<{ loss: number; accuracy: number }> {
    const size = sampleSize(v.shape);
    const n = count(v);
    const k = this.classes;
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < n; b += batch) {
      const m = Math.min(batch, n - b);
      const out = await this.forwardSession.run({ ...this.weightFeeds(), x: new ort.Tensor("float32", v.x.subarray(b * size, (b + m) * size), [m, ...v.shape]) });
      const logits = out.logits.data as Float32Array;
      for (let i = 0; i < m; i++) {
        const row = logits.subarray(i * k, (i + 1) * k);
        let top = 0;
        for (let c = 1; c < k; c++) if (row[c] > row[top]) top = c;
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(row[c] - row[top]);
        lossSum += Math.log(sum) + row[top] - row[v.y[b + i]];
        if (top === v.y[b + i]) correct++;
      }
    }
    return { loss: lossSum / n, accuracy: correct / n };
  }

  async weights(): Promise<Float32Array[]> {
    return this.current.map((w) => w.slice());
  }

  async tensors(): Promise<number> {
    return tf.memory().numTensors;
  }

  async close(): Promise<void> {
    await this.trainSession.release();
    await this.forwardSession.release();
  }
}
