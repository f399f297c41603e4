// Benchmark of CNN training and inference on this machine (issue: fast CNN training on 2 CPU cores).
//   npm run bench                     all paths; about 4 minutes on 2 cores
//   npm run bench -- --cpu-images N   images for the slow pure-JS cpu path (default 32)
// Paths: TensorFlow.js on wasm (1 thread; data-parallel over worker threads), ONNX Runtime running the
// training graphs of src/ml/onnx-grad (fit()'s default engine for such models), pure-JS cpu.
// Reference CNN: conv32 3x3 relu, maxpool 2, conv64 3x3 relu, maxpool 2, dense128 relu, dense10; batch 128,
// Adam, 28x28x1 MNIST, 10,000 training images x 3 epochs; inference on the 10,000 test images.
// Figures are medians: of the epochs after the first (warm-up), and of 3 inference passes; this shared
// machine's speed drifts by up to a third between runs, so compare paths within one run.
// Reference figure: PyTorch 2.13 CPU, 2 threads, trains it at about 3,000 images/s on this machine kind.
import * as tf from "@tensorflow/tfjs";
import * as os from "node:os";
import { loadMnist, sliceSplit } from "../src/data";
import { runMain } from "../src/errors";
import { initBackend } from "../src/ml";
import { referenceCnn } from "../src/ml/models";
import { OnnxClassifier } from "../src/ml/onnx";
import { mnistSamples } from "../src/mnist";
import { evaluate, fit, type Samples } from "../src/ml/train";

const PYTORCH_TRAIN_IMAGES_PER_S = 3000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  path: string;
  images: number;
  train: number | null;
  inference: number;
  accuracy: number;
}

/** Inference images/s and accuracy of the trained model exported to ONNX and run by ONNX Runtime (native kernels, all cores). */
async function onnxInference(model: tf.Sequential, test: Samples): Promise<{ inference: number; accuracy: number }> {
  const clf = await OnnxClassifier.fromModel(model);
  try {
    await clf.logits(test.x.subarray(0, 1024 * 784)); // warm-up
    const times: number[] = [];
    let pred = new Int32Array(0);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      pred = await clf.predict(test.x, 10);
      times.push((performance.now() - t0) / 1000);
    }
    const seconds = median(times);
    let correct = 0;
    pred.forEach((p, i) => (correct += p === test.y[i] ? 1 : 0));
    return { inference: test.y.length / seconds, accuracy: correct / test.y.length };
  } finally {
    await clf.release();
  }
}

async function measure(path: string, backend: string, workers: number, train: Samples, test: Samples, epochs: number, engine: "tfjs" | "onnxruntime" = "tfjs"): Promise<Row> {
  await tf.setBackend(backend);
  const model = referenceCnn(1);
  console.log(`\n${path}: training ${train.y.length.toLocaleString("en-US")} images x ${epochs} epochs ...`);
  const r = await fit(model, train, { seed: 1, batchSize: 128, epochs, classes: 10, workers, engine });
  // Steady state: epochs after the first (which includes warm-up: wasm compilation, worker start).
  const steady = r.history.length > 1 ? r.history.slice(1) : r.history;
  const trainRate = median(steady.map((h) => h.imagesPerSecond));
  if (engine === "onnxruntime") {
    const e = await onnxInference(model, test);
    model.dispose();
    return { path, images: train.y.length, train: trainRate, ...e };
  }
  const passes = [];
  for (let i = 0; i < (epochs > 1 ? 3 : 1); i++) passes.push(await evaluate(model, test, { classes: 10, workers }));
  const e = { accuracy: passes[0].accuracy, seconds: median(passes.map((p) => p.seconds)) };
  model.dispose();
  return { path, images: train.y.length, train: trainRate, inference: test.y.length / e.seconds, accuracy: e.accuracy };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const cpuImages = args[0] === "--cpu-images" ? Number(args[1]) : 32;
  const info = await initBackend();
  const cores = os.availableParallelism();
  const m = await loadMnist();
  const train = mnistSamples(sliceSplit(m.train, 0, 10000));
  const test = mnistSamples(m.test);
  const rows: Row[] = [];
  if (info.name === "tensorflow") rows.push(await measure(`tensorflow (${info.detail})`, "tensorflow", 1, train, test, 3));
  if (tf.findBackend("wasm") || info.name === "wasm") {
    rows.push(await measure("wasm, 1 thread", "wasm", 1, train, test, 3));
    rows.push(await measure(`wasm, data-parallel x${cores} worker threads`, "wasm", cores, train, test, 3));
  }
  rows.push(await measure(`onnxruntime-node, ${cores} threads (inference: exported model)`, "wasm", cores, train, test, 3, "onnxruntime"));
  // The pure-JS cpu backend is two orders of magnitude slower: a small slice, one epoch.
  rows.push(await measure("cpu (pure JS), 1 thread", "cpu", 1, mnistSamples(sliceSplit(m.train, 0, cpuImages)), mnistSamples(sliceSplit(m.test, 0, 1000)), 1));

  console.log(`\nReference CNN, batch 128, Adam; ${os.cpus()[0].model}, ${cores} cores; node ${process.version}`);
  console.log("path".padEnd(58) + "train img/s".padStart(12) + "  vs PyTorch 3,000".padStart(19) + "inference img/s".padStart(17) + "  test acc");
  for (const r of rows) {
    console.log(
      r.path.padEnd(58) +
        (r.train === null ? "-" : Math.round(r.train).toLocaleString("en-US")).padStart(12) +
        (r.train === null ? "-" : `${(r.train / PYTORCH_TRAIN_IMAGES_PER_S).toFixed(2)}x`).padStart(19) +
        Math.round(r.inference).toLocaleString("en-US").padStart(17) +
        `  ${r.accuracy.toFixed(4)}${r.images < 10000 ? ` (trained on ${r.images})` : ""}`,
    );
  }
  console.log("train img/s: median of the epochs after the first; inference: median of 3 passes over the 10,000 MNIST test images (cpu: 1 pass over 1,000).");
}

runMain(main);
