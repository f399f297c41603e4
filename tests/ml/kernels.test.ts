import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/ml";
import { rng } from "../../src/util/random";

/**
 * The wasm training kernels written in TypeScript (src/ml/kernels) against the stock cpu backend, over
 * random shapes, strides and both paddings. Each case computes plain arrays on one backend, then the other.
 */
async function onBoth<T>(fn: () => T): Promise<{ cpu: T; wasm: T }> {
  await tf.setBackend("cpu");
  const cpu = fn();
  await tf.setBackend("wasm");
  return { cpu, wasm: fn() };
}

function assertClose(actual: number[], expected: number[], what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(1, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * scale)) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

const values = (r: () => number, n: number, ties = false) => Array.from({ length: n }, () => (ties ? Math.round(r() * 3) - 1 : r() * 2 - 1));
const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)];

describe("ml/kernels (wasm, against cpu)", function () {
  this.timeout(120000);
  before(async function () {
    const info = await initBackend();
    if (info.name !== "wasm") this.skip(); // the kernels are wasm-only; native TensorFlow has its own
  });
  after(async () => {
    const info = await initBackend();
    await tf.setBackend(info.name);
  });

  it("conv2d forward (same padding made explicit) and gradients (Conv2DBackpropInput, Conv2DBackpropFilter) over 60 random shapes, strides and paddings", async () => {
    const r = rng(11);
    for (let t = 0; t < 60; t++) {
      const n = 1 + Math.floor(r() * 3);
      const h = 3 + Math.floor(r() * 8);
      const w = 3 + Math.floor(r() * 8);
      const c = 1 + Math.floor(r() * 4);
      const f = 1 + Math.floor(r() * 5);
      const kh = 1 + Math.floor(r() * Math.min(3, h));
      const kw = 1 + Math.floor(r() * Math.min(3, w));
      const stride: [number, number] = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 3)];
      const pad = pick<"valid" | "same">(r, ["valid", "same"]);
      const xv = values(r, n * h * w * c);
      const wv = values(r, kh * kw * c * f);
      const label = `case ${t}: x ${[n, h, w, c]} filter ${[kh, kw, c, f]} strides ${stride} ${pad}`;
      const grads = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, [n, h, w, c]);
          const filter = tf.tensor4d(wv, [kh, kw, c, f]);
          const y = tf.conv2d(x, filter, stride, pad);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad).square().sum());
          return [Array.from(y.dataSync()), ...g([x, filter]).map((d) => Array.from(d.dataSync()))];
        });
      const { cpu, wasm } = await onBoth(grads);
      assertClose(wasm[0], cpu[0], `${label}: forward`);
      assertClose(wasm[1], cpu[1], `${label}: dx`);
      assertClose(wasm[2], cpu[2], `${label}: dfilter`);
    }
  });

  it("max-pool gradient over 60 random shapes, with ties routed to the first maximum as on cpu", async () => {
    const r = rng(12);
    for (let t = 0; t < 60; t++) {
      const n = 1 + Math.floor(r() * 2);
      const h = 2 + Math.floor(r() * 8);
      const w = 2 + Math.floor(r() * 8);
      const c = 1 + Math.floor(r() * 5);
      const size: [number, number] = [1 + Math.floor(r() * Math.min(3, h)), 1 + Math.floor(r() * Math.min(3, w))];
      const stride: [number, number] = [1 + Math.floor(r() * 3), 1 + Math.floor(r() * 3)];
      const pad = pick<"valid" | "same">(r, ["valid", "same"]);
      const xv = values(r, n * h * w * c, t % 2 === 0);
      const label = `case ${t}: x ${[n, h, w, c]} pool ${size} strides ${stride} ${pad}`;
      const grad = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, [n, h, w, c]);
          const y = tf.maxPool(x, size, stride, pad);
          const weights = tf.tensor(values(rng(t), y.size), y.shape);
          return Array.from(tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, size, stride, pad).mul(weights).sum())(x).dataSync());
        });
      const { cpu, wasm } = await onBoth(grad);
      assertClose(wasm, cpu, label);
    }
  });

  it("sum over leading axes (bias gradients) and over other axes", async () => {
    const cases: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
      { shape: [7, 5, 3], axis: [0], keepDims: false },
      { shape: [2, 4, 4, 6], axis: [0, 1, 2], keepDims: false },
      { shape: [2, 4, 4, 6], axis: [0, 1, 2], keepDims: true },
      { shape: [9, 1], axis: [0], keepDims: false },
      { shape: [5, 3, 2], axis: [0, 1], keepDims: false },
      { shape: [3, 4, 5], axis: [1], keepDims: false },
      { shape: [3, 4, 5], axis: [0, 2], keepDims: true },
      { shape: [6, 2], axis: [0, 1], keepDims: false },
    ];
    const r = rng(13);
    const data = cases.map((c) => values(r, c.shape.reduce((a, b) => a * b)));
    const { cpu, wasm } = await onBoth(() =>
      cases.map((c, i) =>
        tf.tidy(() => {
          const t = tf.sum(tf.tensor(data[i], c.shape), c.axis, c.keepDims);
          return { shape: t.shape, v: Array.from(t.dataSync()) };
        }),
      ),
    );
    cpu.forEach((e, i) => {
      assert.deepEqual(wasm[i].shape, e.shape, `case ${i} shape`);
      assertClose(wasm[i].v, e.v, `case ${i}`);
    });
  });

  it("matrix products with transposed operands, batched and broadcast", async () => {
    const r = rng(14);
    const cases = [
      { a: [5, 3], b: [5, 4], ta: true, tb: false },
      { a: [3, 5], b: [4, 5], ta: false, tb: true },
      { a: [5, 3], b: [4, 5], ta: true, tb: true },
      { a: [2, 6, 3], b: [2, 6, 7], ta: true, tb: false },
      { a: [2, 3, 6], b: [1, 7, 6], ta: false, tb: true },
    ].map((c) => ({ ...c, av: values(r, c.a.reduce((x, y) => x * y)), bv: values(r, c.b.reduce((x, y) => x * y)) }));
    const { cpu, wasm } = await onBoth(() => cases.map((c) => tf.tidy(() => Array.from(tf.matMul(tf.tensor(c.av, c.a), tf.tensor(c.bv, c.b), c.ta, c.tb).dataSync()))));
    cpu.forEach((e, i) => assertClose(wasm[i], e, `case ${i}`));
  });
});
