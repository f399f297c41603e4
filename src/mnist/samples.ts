import type { MnistSplit } from "../data/mnist";
import { MNIST_PIXELS, MNIST_SIDE } from "../data/mnist";
import type { Samples } from "../ml/train";
import { rng } from "../util/random";

/** MNIST images as model input: [28, 28, 1] floats in 0-1, with their labels. */
export function mnistSamples(s: MnistSplit): Samples {
  return { x: Float32Array.from(s.images, (v) => v / 255), y: s.labels, shape: [MNIST_SIDE, MNIST_SIDE, 1] };
}

/** Image i of `images` (0-255) moved by (dx, dy) whole pixels, written into out at `at` as 0-1 floats; vacated pixels blank. */
function shiftInto(images: Uint8Array, i: number, dx: number, dy: number, out: Float32Array, at: number): void {
  const src = i * MNIST_PIXELS;
  for (let r = 0; r < MNIST_SIDE; r++) {
    const sr = r - dy;
    if (sr < 0 || sr >= MNIST_SIDE) continue;
    for (let c = 0; c < MNIST_SIDE; c++) {
      const sc = c - dx;
      if (sc >= 0 && sc < MNIST_SIDE) out[at + r * MNIST_SIDE + c] = images[src + sr * MNIST_SIDE + sc] / 255;
    }
  }
}

/** Every image moved by the same (dx, dy): one view for test-time augmentation. */
export function shiftedView(s: MnistSplit, dx: number, dy: number): Samples {
  const x = new Float32Array(s.n * MNIST_PIXELS);
  for (let i = 0; i < s.n; i++) shiftInto(s.images, i, dx, dy, x, i * MNIST_PIXELS);
  return { x, y: s.labels, shape: [MNIST_SIDE, MNIST_SIDE, 1] };
}

/**
 * Augmented copy for one epoch: each image, with probability `share`, moved by a random whole-pixel
 * shift of up to maxShift in x and y (not both zero; vacated pixels blank), else left as it is. Seeded.
 * MNIST digits are centred by their centre of mass, so small shifts are what real writing varies by.
 */
export function shiftedSamples(s: MnistSplit, maxShift: number, seed: number, share = 0.5): Samples {
  const rand = rng(seed);
  const x = new Float32Array(s.n * MNIST_PIXELS);
  const span = 2 * maxShift + 1;
  for (let i = 0; i < s.n; i++) {
    let dx = 0;
    let dy = 0;
    if (maxShift > 0 && rand() < share) {
      do {
        dx = Math.floor(rand() * span) - maxShift;
        dy = Math.floor(rand() * span) - maxShift;
      } while (dx === 0 && dy === 0);
    }
    shiftInto(s.images, i, dx, dy, x, i * MNIST_PIXELS);
  }
  return { x, y: s.labels, shape: [MNIST_SIDE, MNIST_SIDE, 1] };
}
