import * as tf from "@tensorflow/tfjs";
import { parentPort, workerData } from "node:worker_threads";
import { initBackend } from "../backend";
import { gatherRows } from "./data";
import type { Reply, Request, WorkerInit } from "./protocol";
import { Replica, writeWeights } from "./replica";

/** A data-parallel training worker: one model replica on its own TensorFlow.js backend. */
async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  const send = (r: Reply) => port.postMessage(r);
  try {
    const backend = await initBackend({ quiet: true });
    const model = await tf.models.modelFromJSON(JSON.parse(init.modelJson));
    writeWeights(model, init.weights);
    const replica = new Replica(model, init.classes, init.learningRate, init.listwise);
    const p = replica.parameterCount;
    const mine = init.gradients.subarray(init.slot * p, (init.slot + 1) * p);
    const averaged = init.gradients.subarray(init.gradients.length - p);
    port.on("message", (req: Request) => {
      try {
        switch (req.cmd) {
          case "step": {
            const batch = gatherRows(init.train, init.order, req.start, req.count);
            send({ cmd: "step", loss: replica.gradients(batch.x, batch.y, init.train.shape, mine) });
            break;
          }
          case "apply":
            replica.apply(averaged);
            send({ cmd: "apply" });
            break;
          case "learningRate":
            replica.setLearningRate(req.value);
            send({ cmd: "learningRate" });
            break;
          case "evaluate": {
            const v = init.validation!;
            send({ cmd: "evaluate", ...replica.evaluate(v.x, v.y, v.shape, req.start, req.count) });
            break;
          }
          case "weights":
            send({ cmd: "weights", weights: replica.weights() });
            break;
          case "tensors":
            send({ cmd: "tensors", numTensors: tf.memory().numTensors });
            break;
        }
      } catch (e) {
        send({ cmd: "error", message: (e as Error).stack ?? String(e) });
      }
    });
    send({ cmd: "ready", parameterCount: p, backend: backend.detail });
  } catch (e) {
    send({ cmd: "error", message: (e as Error).stack ?? String(e) });
  }
}

void main();
