import { MNIST_PIXELS, sliceSplit, type Mnist, type MnistSplit } from "../data/mnist";
import { UserError } from "../errors";

export interface NotSureSplits {
  /** Training images the ensemble learns from. */
  train: MnistSplit;
  /** Training images no model sees, used only to choose the thresholds. */
  calibration: MnistSplit;
  /** The official test images followed by a slice of training images no model sees: the reported set. */
  test: MnistSplit;
  /** How each split was built, in words, for the notebook and the results file. */
  description: { split: string; images: number; source: string }[];
}

function concat(a: MnistSplit, b: MnistSplit): MnistSplit {
  const images = new Uint8Array((a.n + b.n) * MNIST_PIXELS);
  images.set(a.images);
  images.set(b.images, a.n * MNIST_PIXELS);
  const labels = new Uint8Array(a.n + b.n);
  labels.set(a.labels);
  labels.set(b.labels, a.n);
  return { n: a.n + b.n, images, labels };
}

/**
 * The [02] splits, by position, no shuffling: training images [0, train), calibration [train,
 * train + calibration), and the test set = official test images [0, testOfficial) plus training images
 * [train + calibration, train + calibration + heldOut). The three never overlap.
 */
export function notSureSplits(m: Mnist, sizes: { train: number; calibration: number; heldOut: number; testOfficial: number }): NotSureSplits {
  const { train, calibration, heldOut, testOfficial } = sizes;
  if (train + calibration + heldOut > m.train.n) throw new UserError(`train ${train} + calibration ${calibration} + held-out ${heldOut} exceed the ${m.train.n} training images`);
  if (testOfficial > m.test.n) throw new UserError(`${testOfficial} official test images asked for, ${m.test.n} exist`);
  const end = train + calibration;
  const fmt = (n: number) => n.toLocaleString("en-US");
  return {
    train: sliceSplit(m.train, 0, train),
    calibration: sliceSplit(m.train, train, end),
    test: concat(sliceSplit(m.test, 0, testOfficial), sliceSplit(m.train, end, end + heldOut)),
    description: [
      { split: "train", images: train, source: `training images 0-${fmt(train - 1)}` },
      { split: "calibration", images: calibration, source: `training images ${fmt(train)}-${fmt(end - 1)} (thresholds only)` },
      { split: "test", images: testOfficial + heldOut, source: `official test images 0-${fmt(testOfficial - 1)} + training images ${fmt(end)}-${fmt(end + heldOut - 1)}` },
    ],
  };
}
