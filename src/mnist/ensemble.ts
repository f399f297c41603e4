import type * as tf from "@tensorflow/tfjs";
import type { MnistSplit } from "../data/mnist";
import { UserError } from "../errors";
import { deepCnn, referenceCnn } from "../ml/models";
import { OnnxClassifier } from "../ml/onnx";
import { fit } from "../ml/train";
import { softmaxRows } from "../selective/predictor";
import { shiftedSamples, shiftedView } from "./samples";

export interface EnsembleOptions {
  members: number;
  epochs: number;
  seed: number;
  /** Each member's network: the reference CNN (default) or the deeper one. */
  arch?: "reference" | "deep";
  /** Largest shift of the augmentation, in pixels (0: none). */
  maxShift: number;
  /** Adam's learning rate in the first epoch; it decays geometrically to finalLearningRate in the last. */
  learningRate?: number;
  finalLearningRate?: number;
  batchSize?: number;
  log?: (line: string) => void;
}

export interface MemberLog {
  member: number;
  epoch: number;
  loss: number;
  learningRate: number;
  imagesPerSecond: number;
}

/**
 * An ensemble of CNNs (the reference CNN or the deeper one, each member its own initialisation and augmentation), for
 * a classifier whose members' agreement says how sure it is. Each epoch trains on a freshly shifted copy
 * of the training images (fit(), one epoch per call, so the learning rate can decay).
 */
export class CnnEnsemble {
  private constructor(readonly models: tf.Sequential[]) {}

  static async train(train: MnistSplit, o: EnsembleOptions): Promise<{ ensemble: CnnEnsemble; history: MemberLog[]; seconds: number }> {
    if (!(o.members >= 1 && o.epochs >= 1)) throw new UserError(`an ensemble needs at least one member and one epoch, not ${o.members} and ${o.epochs}`);
    const log = o.log ?? console.log;
    const lr0 = o.learningRate ?? 2e-3;
    const lr1 = o.finalLearningRate ?? 1e-4;
    const t0 = performance.now();
    const models: tf.Sequential[] = [];
    const history: MemberLog[] = [];
    for (let m = 0; m < o.members; m++) {
      const model = (o.arch === "deep" ? deepCnn : referenceCnn)(o.seed + 1000 * m);
      for (let e = 0; e < o.epochs; e++) {
        const learningRate = o.epochs === 1 ? lr0 : lr0 * (lr1 / lr0) ** (e / (o.epochs - 1));
        const data = shiftedSamples(train, o.maxShift, o.seed + 1000 * m + e);
        const r = await fit(model, data, { seed: o.seed + 1000 * m + e, batchSize: o.batchSize ?? 128, epochs: 1, classes: 10, learningRate, verbose: false });
        const h = r.history[0];
        history.push({ member: m + 1, epoch: e + 1, loss: h.loss, learningRate, imagesPerSecond: h.imagesPerSecond });
        log(`member ${m + 1}/${o.members} epoch ${e + 1}/${o.epochs}: loss ${h.loss.toFixed(4)}, lr ${learningRate.toExponential(1)}, ${Math.round(h.imagesPerSecond)} img/s`);
      }
      models.push(model);
    }
    return { ensemble: new CnnEnsemble(models), history, seconds: (performance.now() - t0) / 1000 };
  }

  /**
   * Each member's class probabilities for the images (n x 10 each), by ONNX Runtime; with several views
   * (whole-image shifts [dx, dy]), each member's probabilities averaged over them (test-time augmentation).
   */
  async probabilities(s: MnistSplit, views: readonly (readonly [number, number])[] = [[0, 0]]): Promise<Float32Array[]> {
    if (!views.length) throw new UserError("test-time augmentation needs at least one view");
    const inputs = views.map(([dx, dy]) => shiftedView(s, dx, dy).x);
    const out: Float32Array[] = [];
    for (const model of this.models) {
      const clf = await OnnxClassifier.fromModel(model);
      try {
        const mean = new Float32Array(s.n * 10);
        for (const x of inputs) {
          const p = softmaxRows(await clf.logits(x, 4096), 10);
          for (let i = 0; i < p.length; i++) mean[i] += p[i] / inputs.length;
        }
        out.push(mean);
      } finally {
        await clf.release();
      }
    }
    return out;
  }

  dispose(): void {
    for (const m of this.models) m.dispose();
  }
}
