import * as tf from "@tensorflow/tfjs";
import * as os from "node:os";
import { UserError } from "../../errors";
import { permutation } from "../../util/random";
import { initBackend } from "../backend";
import { onnxTrainingUnsupported } from "../onnx-grad";
import { checkSamples, count, gatherRows, shareSamples, type Samples } from "./data";
import type { Engine } from "./engine";
import { OnnxEngine } from "./onnx-engine";
import { WorkerPool } from "./pool";
import type { WorkerInit } from "./protocol";
import { readWeights, Replica, writeWeights } from "./replica";

export interface FitOptions {
  /** Seeds the order of the training rows in each epoch (the model arrives already initialised). */
  seed: number;
  batchSize: number;
  epochs: number;
  classes: number;
  /**
   * Ranking instead of classification: each sample is a set of `classes` items (shape [classes, ...item]),
   * the model scores one item, and the label is the index of the right item in its set.
   */
  listwise?: boolean;
  /** Adam's step size (default 1e-3), or a schedule: the step size of each epoch (1-based). */
  learningRate?: number | ((epoch: number) => number);
  validation?: Samples;
  /** Stop when validation loss has not improved by minDelta for `patience` epochs; keep the best weights. */
  earlyStopping?: { patience: number; minDelta?: number };
  /**
   * Who runs the steps. "onnxruntime": ONNX Runtime's native kernels on the forward and backward graphs
   * from onnx-grad (Sequential models of Conv2D, non-overlapping MaxPooling2D, Flatten, Dense, relu/linear;
   * about twice the data-parallel wasm path's speed); "tfjs": TensorFlow.js's own backend, any model.
   * "auto" (default): onnxruntime when the model is supported, else tfjs.
   */
  engine?: "auto" | "onnxruntime" | "tfjs";
  /**
   * Cores to use: ONNX Runtime's threads, or on tfjs the worker threads of data-parallel training (1 trains
   * in this thread). Default: one per core (tfjs on native TensorFlow: 1).
   */
  workers?: number;
  /** One line per epoch on the console (default true). */
  verbose?: boolean;
  onEpoch?: (log: EpochLog) => void;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Training images per second in this epoch (steps only, not evaluation). */
  imagesPerSecond: number;
  seconds: number;
  /** Tensors alive at the end of the epoch, in this thread or summed over the worker threads (leak check). */
  tensors: number;
}

export interface FitResult {
  history: EpochLog[];
  /** Epoch whose weights the model holds at the end (the best one under early stopping). */
  bestEpoch: number;
  stoppedEarly: boolean;
  workers: number;
  /** What ran the steps, e.g. "onnxruntime-node (cpu)" or TensorFlow.js's backend. */
  backend: string;
}

/** Trains in this thread on the model itself. */
class InProcess implements Engine {
  private readonly grads: Float32Array;
  constructor(
    private readonly replica: Replica,
    private readonly train: Samples,
  ) {
    this.grads = new Float32Array(replica.parameterCount);
  }
  async step(order: Int32Array, start: number, n: number): Promise<number> {
    const b = gatherRows(this.train, order, start, n);
    const loss = this.replica.gradients(b.x, b.y, this.train.shape, this.grads);
    this.replica.apply(this.grads);
    return loss;
  }
  async setLearningRate(value: number) {
    this.replica.setLearningRate(value);
  }
  async evaluate(v: Samples) {
    const { lossSum, correct } = this.replica.evaluate(v.x, v.y, v.shape, 0, count(v));
    return { loss: lossSum / count(v), accuracy: correct / count(v) };
  }
  async weights() {
    return this.replica.weights();
  }
  async tensors() {
    return tf.memory().numTensors;
  }
  async close() {
    this.replica.dispose();
  }
}

/** Splits [start, start+n) into k contiguous shards (some empty when n < k). */
function shards(start: number, n: number, k: number): { start: number; count: number }[] {
  return Array.from({ length: k }, (_, i) => {
    const a = Math.floor((n * i) / k);
    const b = Math.floor((n * (i + 1)) / k);
    return { start: start + a, count: b - a };
  });
}

/**
 * Data-parallel training: every worker thread holds a replica; each step, every worker computes the
 * gradient of its shard of the batch, the main thread averages them weighted by shard size (the gradient
 * of the whole batch's mean loss) and every replica applies that same average, so all stay identical.
 */
class DataParallel implements Engine {
  private constructor(
    private readonly pool: WorkerPool,
    private readonly order: Int32Array,
    private readonly gradients: Float32Array,
    private readonly p: number,
  ) {}

  static async start(model: tf.LayersModel, train: Samples, validation: Samples | undefined, k: number, o: { classes: number; learningRate: number; listwise: boolean }) {
    const order = new Int32Array(new SharedArrayBuffer(count(train) * 4));
    const p = model.trainableWeights.reduce((a, w) => a + w.read().size, 0);
    const gradients = new Float32Array(new SharedArrayBuffer((k + 1) * p * 4));
    const modelJson = JSON.stringify(model.toJSON(null, false));
    const weights = readWeights(model);
    const sharedTrain = shareSamples(train);
    const sharedVal = validation ? shareSamples(validation) : undefined;
    const inits: WorkerInit[] = Array.from({ length: k }, (_, slot) => ({ modelJson, weights, classes: o.classes, learningRate: o.learningRate, listwise: o.listwise, train: sharedTrain, validation: sharedVal, order, gradients, slot }));
    const pool = new WorkerPool(inits);
    try {
      const ready = await Promise.all(inits.map((_, i) => pool.next(i, "ready")));
      if (ready.some((r) => r.parameterCount !== p)) throw new Error("worker replicas disagree on the parameter count");
    } catch (e) {
      await pool.close();
      throw e;
    }
    return new DataParallel(pool, order, gradients, p);
  }

  async step(order: Int32Array, start: number, n: number): Promise<number> {
    if (order !== this.order) this.order.set(order);
    const parts = shards(start, n, this.pool.size);
    const busy = parts.map((s, i) => ({ ...s, i })).filter((s) => s.count > 0);
    const replies = await Promise.all(busy.map((s) => this.pool.request(s.i, { cmd: "step", start: s.start, count: s.count })));
    const avg = this.gradients.subarray(this.pool.size * this.p);
    avg.fill(0);
    let loss = 0;
    busy.forEach((s, j) => {
      const w = s.count / n;
      const g = this.gradients.subarray(s.i * this.p, (s.i + 1) * this.p);
      for (let q = 0; q < this.p; q++) avg[q] += w * g[q];
      loss += w * replies[j].loss;
    });
    await this.pool.all(() => ({ cmd: "apply" }));
    return loss;
  }

  async setLearningRate(value: number) {
    await this.pool.all(() => ({ cmd: "learningRate", value }));
  }

  async evaluate(v: Samples) {
    const parts = shards(0, count(v), this.pool.size);
    const r = await Promise.all(parts.map((s, i) => (s.count ? this.pool.request(i, { cmd: "evaluate", start: s.start, count: s.count }) : { lossSum: 0, correct: 0 })));
    const total = count(v);
    return { loss: r.reduce((a, x) => a + x.lossSum, 0) / total, accuracy: r.reduce((a, x) => a + x.correct, 0) / total };
  }

  async weights() {
    return (await this.pool.request(0, { cmd: "weights" })).weights;
  }

  async tensors() {
    return (await this.pool.all(() => ({ cmd: "tensors" }))).reduce((a, r) => a + r.numTensors, 0);
  }

  close() {
    return this.pool.close();
  }
}

const fmt = (v: number | undefined, d = 4) => (v === undefined ? "" : v.toFixed(d));

/**
 * Trains a model that maps inputs to logits, with softmax cross-entropy and Adam, on integer labels.
 * The model ends with the trained weights (the best epoch's under early stopping).
 */
export async function fit(model: tf.LayersModel, train: Samples, o: FitOptions): Promise<FitResult> {
  const backend = await initBackend();
  const listwise = o.listwise ?? false;
  if (listwise && train.shape[0] !== o.classes) throw new UserError(`listwise samples hold sets of ${train.shape[0]} items, but classes is ${o.classes}`);
  checkSamples(train, o.classes, "training data");
  if (o.validation) checkSamples(o.validation, o.classes, "validation data");
  if (!(o.batchSize >= 1 && o.epochs >= 1)) throw new UserError(`batchSize and epochs must be at least 1 (got ${o.batchSize}, ${o.epochs})`);
  if (o.earlyStopping && !o.validation) throw new UserError("early stopping needs validation data");
  const unsupported = onnxTrainingUnsupported(model);
  if (o.engine === "onnxruntime" && unsupported) throw new UserError(`engine "onnxruntime" cannot train this model: ${unsupported}`);
  const onnx = (o.engine ?? "auto") !== "tfjs" && !unsupported;
  const k = o.workers ?? (backend.name === "tensorflow" && !onnx ? 1 : Math.max(1, os.availableParallelism()));
  if (!(Number.isInteger(k) && k >= 1)) throw new UserError(`workers must be a positive integer, not ${k}`);
  const rate = o.learningRate ?? 1e-3;
  const schedule = (epoch: number) => {
    const lr = typeof rate === "function" ? rate(epoch) : rate;
    if (!(lr > 0)) throw new UserError(`learning rate must be positive, not ${lr} (epoch ${epoch})`);
    return lr;
  };
  const learningRate = schedule(1);
  const verbose = o.verbose ?? true;
  const n = count(train);

  const engine: Engine = onnx
    ? await OnnxEngine.start(model, train, { classes: o.classes, listwise, learningRate, threads: k })
    : k === 1
      ? new InProcess(new Replica(model, o.classes, learningRate, listwise), train)
      : await DataParallel.start(model, train, o.validation, k, { classes: o.classes, learningRate, listwise });
  const history: EpochLog[] = [];
  let best = { loss: Infinity, epoch: 0, weights: null as Float32Array[] | null };
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      if (epoch > 1) await engine.setLearningRate(schedule(epoch));
      const order = Int32Array.from(permutation(n, o.seed * 100003 + epoch));
      let lossSum = 0;
      for (let start = 0; start < n; start += o.batchSize) {
        const m = Math.min(o.batchSize, n - start);
        lossSum += (await engine.step(order, start, m)) * m;
      }
      const stepSeconds = (performance.now() - t0) / 1000;
      const val = o.validation ? await engine.evaluate(o.validation) : undefined;
      const log: EpochLog = { epoch, loss: lossSum / n, valLoss: val?.loss, valAccuracy: val?.accuracy, imagesPerSecond: n / stepSeconds, seconds: (performance.now() - t0) / 1000, tensors: await engine.tensors() };
      history.push(log);
      if (verbose) {
        const v = val ? `  val_loss ${fmt(val.loss)}  val_acc ${fmt(val.accuracy)}` : "";
        console.log(`epoch ${epoch}/${o.epochs}  loss ${fmt(log.loss)}${v}  ${Math.round(log.imagesPerSecond).toLocaleString("en-US")} img/s  ${log.seconds.toFixed(1)} s`);
      }
      o.onEpoch?.(log);
      if (o.earlyStopping && val) {
        if (val.loss < best.loss - (o.earlyStopping.minDelta ?? 0)) best = { loss: val.loss, epoch, weights: await engine.weights() };
        else if (epoch - best.epoch >= o.earlyStopping.patience) {
          stoppedEarly = true;
          if (verbose) console.log(`early stop: no val_loss improvement for ${o.earlyStopping.patience} epochs; keeping epoch ${best.epoch}`);
          break;
        }
      }
    }
    if (best.weights) writeWeights(model, best.weights);
    else if (!(engine instanceof InProcess)) writeWeights(model, await engine.weights());
  } finally {
    await engine.close();
  }
  return { history, bestEpoch: best.weights ? best.epoch : history.length, stoppedEarly, workers: k, backend: onnx ? "onnxruntime-node (cpu)" : backend.detail };
}


/**
 * Loss and top-1 accuracy of a logits model on samples, spread over worker threads like fit()
 * (default: one per core on wasm/cpu). Also what the benchmark times as inference.
 */
export async function evaluate(model: tf.LayersModel, data: Samples, o: { classes: number; workers?: number }): Promise<{ loss: number; accuracy: number; seconds: number }> {
  const backend = await initBackend();
  checkSamples(data, o.classes, "evaluation data");
  const k = o.workers ?? (backend.name === "tensorflow" ? 1 : Math.max(1, os.availableParallelism()));
  const engine: Engine = k === 1 ? new InProcess(new Replica(model, o.classes, 0), data) : await DataParallel.start(model, data, data, k, { classes: o.classes, learningRate: 0, listwise: false });
  try {
    const t0 = performance.now();
    const r = await engine.evaluate(data);
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await engine.close();
  }
}
