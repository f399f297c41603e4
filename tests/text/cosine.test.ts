import * as assert from "node:assert/strict";
import { normalizeRows, topK, VectorIndex } from "../../src/text/cosine";
import { onnxMatVec } from "../../src/text/use-onnx";
import { rng } from "../../src/util/random";

function sorted(scores: ArrayLike<number>, k: number, keep: (doc: number) => boolean) {
  return Array.from(scores, (score, doc) => ({ doc, score }))
    .filter((h) => keep(h.doc))
    .sort((a, b) => b.score - a.score || a.doc - b.doc)
    .slice(0, k);
}

describe("text/cosine", () => {
  it("top-k selection equals a full sort, ties to the lower doc, with exclude, skip and a doc subset", () => {
    assert.deepEqual(topK([0.5, 0.9, 0.9, 0.1], 2), [{ doc: 1, score: 0.9 }, { doc: 2, score: 0.9 }]);
    assert.deepEqual(topK([0.5, 0.9, 0.9, 0.1], 3, { exclude: 1 }).map((h) => h.doc), [2, 0, 3]);
    assert.deepEqual(topK([0.5, 0.9], 0), []);
    const r = rng(3);
    for (let t = 0; t < 100; t++) {
      const n = 1 + Math.floor(r() * 300);
      const s = Float64Array.from({ length: n }, () => Math.round(r() * 20) / 20); // many ties
      const k = 1 + Math.floor(r() * 40);
      const skip = Uint8Array.from({ length: n }, () => (r() < 0.2 ? 1 : 0));
      const ex = Math.floor(r() * n);
      assert.deepEqual(topK(s, k, { exclude: ex, skip }), sorted(s, k, (d) => d !== ex && !skip[d]));
      const docs = Int32Array.from({ length: Math.floor(n / 2) }, (_, i) => i * 2);
      assert.deepEqual(topK(s, k, { docs }), sorted(s, k, (d) => d % 2 === 0 && d < docs.length * 2));
    }
  });

  it("normalises rows to unit length and leaves zero rows alone", () => {
    const m = normalizeRows(Float32Array.from([3, 4, 0, 0, 0, 2]), 2);
    assert.deepEqual(Array.from(m), [0.6000000238418579, 0.800000011920929, 0, 0, 0, 1]);
  });

  it("exact search finds the same neighbours as brute force, never an inactive row", () => {
    const r = rng(9);
    const dim = 37; // not a multiple of the 4-way unrolling
    const n = 500;
    const v = normalizeRows(Float32Array.from({ length: n * dim }, () => r() - 0.5), dim);
    const inactive = Uint8Array.from({ length: n }, (_, i) => (i % 10 === 3 ? 1 : 0));
    const index = new VectorIndex(v, dim, inactive);
    for (let t = 0; t < 10; t++) {
      const q = index.row(t * 7);
      const exact = Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < dim; j++) s += v[i * dim + j] * q[j];
        return s;
      });
      const hits = index.search(q, 15, t * 7);
      assert.deepEqual(hits.map((h) => h.doc), sorted(exact, 15, (d) => d !== t * 7 && !inactive[d]).map((h) => h.doc));
      for (const h of hits) assert.ok(Math.abs(h.score - exact[h.doc]) < 1e-12);
    }
    const self = index.search(index.row(5), 1);
    assert.equal(self[0].doc, 5);
    assert.ok(Math.abs(self[0].score - 1) < 1e-6);
    assert.throws(() => index.search(new Float32Array(3), 1), /3 dimensions, the index 37/);
  });

  it("the ONNX Runtime kernel ranks as the JavaScript one", async () => {
    const r = rng(12);
    const dim = 64;
    const v = normalizeRows(Float32Array.from({ length: 1001 * dim }, () => r() - 0.5), dim);
    const js = new VectorIndex(v, dim);
    const fast = new VectorIndex(v, dim, undefined, await onnxMatVec());
    for (const q of [3, 500, 1000]) {
      const a = await fast.searchAsync(js.row(q), 20, q);
      const b = js.search(js.row(q), 20, q);
      assert.deepEqual(a.map((h) => h.doc), b.map((h) => h.doc));
      a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i].score) < 1e-6));
    }
    assert.deepEqual(await js.searchAsync(js.row(3), 5), js.search(js.row(3), 5));
  });
});
