import * as assert from "node:assert/strict";
import { LsaModel, randomizedSvd, symmetricEigen, type Csr } from "../../src/text/lsa";
import { rng } from "../../src/util/random";

function csr(dense: number[][]): Csr {
  const start = [0];
  const col: number[] = [];
  const val: number[] = [];
  for (const row of dense) {
    row.forEach((x, j) => {
      if (x !== 0) {
        col.push(j);
        val.push(x);
      }
    });
    start.push(col.length);
  }
  return { rows: dense.length, cols: dense[0].length, start: Int32Array.from(start), col: Int32Array.from(col), val: Float64Array.from(val) };
}

/** Sylvester's Hadamard matrix of order n (a power of 2): orthogonal after dividing by sqrt(n). */
function hadamard(n: number): number[][] {
  let h = [[1]];
  while (h.length < n) h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((x) => -x)])];
  return h;
}

describe("text/lsa", () => {
  it("eigen-decomposes symmetric matrices: A v = lambda v, orthonormal vectors, values descending", () => {
    const two = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    assert.ok(Math.abs(two.values[0] - 3) < 1e-12 && Math.abs(two.values[1] - 1) < 1e-12);
    const r = rng(2);
    const n = 30;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r() - 0.5;
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 0; j < n; j++) {
      if (j) assert.ok(values[j] <= values[j - 1]);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + j];
        assert.ok(Math.abs(av - values[j] * vectors[i * n + j]) < 1e-12);
      }
      for (let q = 0; q < n; q++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += vectors[k * n + j] * vectors[k * n + q];
        assert.ok(Math.abs(d - (j === q ? 1 : 0)) < 1e-12);
      }
    }
  });

  it("randomized SVD recovers a matrix built with known singular values and vectors", () => {
    // A = U diag(5, 3, 2, 0.5) V^T, U = the first 4 columns of H8 / sqrt(8), V = H4 / 2: an 8 x 4 matrix.
    const s = [5, 3, 2, 0.5];
    const h8 = hadamard(8);
    const h4 = hadamard(4);
    const dense = h8.map((row) => h4.map((_, j) => s.reduce((acc, sk, k) => acc + (row[k] / Math.sqrt(8)) * sk * (h4[j][k] / 2), 0)));
    for (const powerIterations of [0, 2]) {
      const { s: got, v } = randomizedSvd(csr(dense), 2, { oversample: 2, powerIterations, seed: 1 });
      assert.equal(got.length, 2);
      assert.ok(Math.abs(got[0] - 5) < 1e-9 && Math.abs(got[1] - 3) < 1e-9, `${got}`);
      for (let k = 0; k < 2; k++) {
        const dot = h4.reduce((acc, row, j) => acc + v[j * 2 + k] * (row[k] / 2), 0);
        assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `singular vector ${k}: |dot| = ${Math.abs(dot)}`);
      }
    }
  });

  it("randomized SVD agrees with the eigenvalues of A^T A on a random sparse matrix", () => {
    const r = rng(4);
    const dense = Array.from({ length: 60 }, () => Array.from({ length: 25 }, () => (r() < 0.2 ? r() : 0)));
    const ata = new Float64Array(25 * 25);
    for (const row of dense) for (let i = 0; i < 25; i++) for (let j = 0; j < 25; j++) ata[i * 25 + j] += row[i] * row[j];
    const exact = symmetricEigen(ata, 25).values.map(Math.sqrt);
    // A flat random spectrum is the hard case for a sketch: estimates approach from below (Rayleigh-Ritz)
    // and power iterations close the gap.
    let prev = Infinity;
    for (const powerIterations of [0, 1, 2, 4, 8]) {
      const { s } = randomizedSvd(csr(dense), 6, { oversample: 4, powerIterations, seed: 3 });
      for (let k = 0; k < 6; k++) assert.ok(s[k] <= exact[k] + 1e-12);
      assert.ok(exact[0] - s[0] < prev);
      prev = exact[0] - s[0];
      if (powerIterations === 8) for (let k = 0; k < 3; k++) assert.ok(exact[k] - s[k] < 1e-5, `sigma_${k}: ${s[k]} vs ${exact[k]}`);
    }
    const full = randomizedSvd(csr(dense), 6, { oversample: 19, seed: 3 }).s; // sketch as wide as A: exact
    for (let k = 0; k < 6; k++) assert.ok(Math.abs(full[k] - exact[k]) < 1e-9, `sigma_${k}: ${full[k]} vs ${exact[k]}`);
  });

  it("is seeded: the same seed gives the same model", () => {
    const r = rng(8);
    const docs = Array.from({ length: 40 }, () => Array.from({ length: 12 }, () => `t${Math.floor(r() * 30)}`));
    const a = new LsaModel(docs, { components: 5, seed: 11 });
    const b = new LsaModel(docs, { components: 5, seed: 11 });
    assert.deepEqual(a.docVectors, b.docVectors);
  });

  it("projects a corpus doc onto its own row, keeps unit length, flags docs without known terms", () => {
    const docs = [
      ["neural", "network", "train", "gradient"],
      ["neural", "network", "deep", "layer"],
      ["kernel", "svm", "margin", "hinge"],
      ["kernel", "svm", "dual", "margin"],
      ["gradient", "descent", "converg", "step"],
      ["unique", "words", "only"],
      [],
    ];
    const m = new LsaModel(docs, { components: 3, seed: 1 });
    assert.equal(m.dim, 3);
    assert.equal(m.vocab.has("unique"), false); // df 1 < minDf 2
    assert.deepEqual(Array.from(m.empty), [0, 0, 0, 0, 0, 1, 1]);
    for (let d = 0; d < 5; d++) {
      const v = m.project(docs[d])!;
      assert.deepEqual(v, m.docVectors.subarray(d * 3, (d + 1) * 3));
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-6);
    }
    assert.equal(m.project(["unique", "nothing"]), null);
    const cos = (i: number, j: number) => [0, 1, 2].reduce((s, c) => s + m.docVectors[i * 3 + c] * m.docVectors[j * 3 + c], 0);
    assert.ok(cos(2, 3) > 0.9 && cos(0, 1) > cos(0, 2) && cos(2, 3) > cos(2, 0));
  });
});
