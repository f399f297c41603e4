import * as assert from "node:assert/strict";
import { MNIST_PIXELS, type Mnist, type MnistSplit } from "../../src/data";
import { CnnEnsemble, notSureSplits, shiftedSamples, shiftedView } from "../../src/mnist";
import { loadMnist, sliceSplit } from "../../src/data";

/** A split whose image i holds the value (i % 250) + 1 at pixel i % 784, so rows can be traced. */
function traced(n: number, offset: number): MnistSplit {
  const images = new Uint8Array(n * MNIST_PIXELS);
  for (let i = 0; i < n; i++) images[i * MNIST_PIXELS + ((i + offset) % MNIST_PIXELS)] = ((i + offset) % 250) + 1;
  return { n, images, labels: Uint8Array.from({ length: n }, (_, i) => (i + offset) % 10) };
}

describe("mnist/not-sure splits and augmentation", () => {
  const m = { train: traced(100, 0), test: traced(30, 500) } as Mnist;

  it("cuts train, calibration and held-out by position, appends the held-out slice to the official test images", () => {
    const s = notSureSplits(m, { train: 60, calibration: 20, heldOut: 15, testOfficial: 30 });
    assert.deepEqual([s.train.n, s.calibration.n, s.test.n], [60, 20, 45]);
    assert.equal(s.calibration.labels[0], 60 % 10);
    assert.deepEqual(Array.from(s.test.images.subarray(0, MNIST_PIXELS)), Array.from(m.test.images.subarray(0, MNIST_PIXELS)));
    assert.deepEqual(Array.from(s.test.images.subarray(30 * MNIST_PIXELS, 31 * MNIST_PIXELS)), Array.from(m.train.images.subarray(80 * MNIST_PIXELS, 81 * MNIST_PIXELS)));
    assert.match(s.description[2].source, /official test images 0-29 \+ training images 80-94/);
    assert.throws(() => notSureSplits(m, { train: 60, calibration: 30, heldOut: 15, testOfficial: 30 }), /exceed the 100 training images/);
    assert.throws(() => notSureSplits(m, { train: 60, calibration: 20, heldOut: 15, testOfficial: 31 }), /31 official test images asked for, 30 exist/);
  });

  it("shifts images by whole pixels with blank fill, keeps labels, and is reproducible", () => {
    const s: MnistSplit = { n: 200, images: new Uint8Array(200 * MNIST_PIXELS), labels: Uint8Array.from({ length: 200 }, (_, i) => i % 10) };
    for (let i = 0; i < 200; i++) s.images[i * MNIST_PIXELS + 14 * 28 + 14] = 255; // one dot in the middle
    const a = shiftedSamples(s, 2, 9);
    assert.deepEqual(Array.from(a.x), Array.from(shiftedSamples(s, 2, 9).x));
    assert.equal(a.y, s.labels);
    let moved = 0;
    for (let i = 0; i < 200; i++) {
      const img = a.x.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS);
      const at = img.findIndex((v) => v === 1);
      assert.equal(img.reduce((x, y) => x + y, 0), 1, "the dot is kept, nothing else appears");
      const [r, c] = [Math.floor(at / 28), at % 28];
      assert.ok(Math.abs(r - 14) <= 2 && Math.abs(c - 14) <= 2, "shift within 2 pixels");
      if (r !== 14 || c !== 14) moved++;
    }
    assert.ok(moved > 70 && moved < 130, `about half the images shifted: ${moved}`);
  });

  it("moves every image by the same whole-pixel shift for a test-time view, blank at the edges", () => {
    const s: MnistSplit = { n: 3, images: new Uint8Array(3 * MNIST_PIXELS), labels: Uint8Array.of(1, 2, 3) };
    s.images[0 * MNIST_PIXELS + 10 * 28 + 5] = 255;
    s.images[1 * MNIST_PIXELS + 0 * 28 + 27] = 51; // at the top-right corner: shifted out of the image
    s.images[2 * MNIST_PIXELS + 27 * 28 + 0] = 102;
    const v = shiftedView(s, 1, -1);
    assert.equal(v.y, s.labels);
    assert.equal(v.x[0 * MNIST_PIXELS + 9 * 28 + 6], 1);
    assert.equal(v.x.subarray(MNIST_PIXELS, 2 * MNIST_PIXELS).reduce((a, b) => a + b, 0), 0);
    assert.equal(v.x[2 * MNIST_PIXELS + 26 * 28 + 1], Math.fround(0.4));
    assert.ok(Math.abs(v.x.reduce((a, b) => a + b, 0) - 1.4) < 1e-6, "nothing else appears");
    assert.deepEqual(Array.from(shiftedView(s, 0, 0).x), Array.from(Float32Array.from(s.images, (p) => p / 255)));
  });

  it("averages each member's probabilities over test-time views", async function () {
    this.timeout(120000);
    const mnist = await loadMnist();
    const { ensemble } = await CnnEnsemble.train(sliceSplit(mnist.train, 0, 256), { members: 2, epochs: 1, seed: 3, maxShift: 1, arch: "deep", log: () => {} });
    try {
      const s = sliceSplit(mnist.test, 0, 40);
      const views: [number, number][] = [[0, 0], [1, 0], [0, -1]];
      const both = await ensemble.probabilities(s, views);
      const one = await Promise.all(views.map((v) => ensemble.probabilities(s, [v])));
      assert.equal(both.length, 2);
      assert.deepEqual(Array.from(one[0][1]), Array.from((await ensemble.probabilities(s))[1]), "the default view is the image as it is");
      for (let m = 0; m < 2; m++)
        for (let i = 0; i < 40 * 10; i++) assert.ok(Math.abs(both[m][i] - (one[0][m][i] + one[1][m][i] + one[2][m][i]) / 3) < 1e-6);
      for (let i = 0; i < 40; i++) assert.ok(Math.abs(both[0].subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0) - 1) < 1e-5);
      await assert.rejects(ensemble.probabilities(s, []), /test-time augmentation needs at least one view/);
    } finally {
      ensemble.dispose();
    }
  });
});
