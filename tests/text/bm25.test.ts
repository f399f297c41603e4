import * as assert from "node:assert/strict";
import { Bm25Index } from "../../src/text/bm25";
import { rng } from "../../src/util/random";

/*
 * Hand-computed fixture. Docs (already tokens): d0 = a b a, d1 = b c, d2 = c c c d, d3 = (empty).
 * N = 4, lengths 3 2 4 0, avgdl = 9 / 4 = 2.25. df: a 1, b 2, c 2, d 1.
 * idf = ln(1 + (N - df + 0.5) / (df + 0.5)):  a, d: ln(1 + 3.5 / 1.5) = ln(10/3) = 1.2039728043259361
 *                                             b, c: ln(1 + 2.5 / 2.5) = ln 2     = 0.6931471805599453
 * Length norm K(d) = k1 (1 - b + b |d| / avgdl) = 1.2 (0.25 + |d| / 3):  d0 1.5, d1 1.1, d2 1.9.
 * Term part tf (k1 + 1) / (tf + K):
 *   query [a, c]: d0 (a, tf 2) 4.4 / 3.5 * ln(10/3) = 1.5135658111526056
 *                 d1 (c, tf 1) 2.2 / 2.1 * ln 2     = 0.7261541891580380
 *                 d2 (c, tf 3) 6.6 / 4.9 * ln 2     = 0.9336268146317630
 *   query [b, b] (a repeated term counts twice): d0 2 * 2.2 / 2.5 * ln 2 = 1.2199390377855040
 *                                                d1 2 * 2.2 / 2.1 * ln 2 = 1.4523083783160760
 */
const DOCS = [["a", "b", "a"], ["b", "c"], ["c", "c", "c", "d"], []];

function near(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} != ${expected}`);
}

describe("text/bm25", () => {
  const index = new Bm25Index(DOCS);

  it("matches the hand-computed Lucene BM25 scores", () => {
    near(index.avgdl, 2.25);
    near(index.idf[index.vocab.get("a")!], Math.log(10 / 3));
    near(index.idf[index.vocab.get("c")!], Math.LN2);
    const hits = index.search(["a", "c"], 10);
    assert.deepEqual(hits.map((h) => h.doc), [0, 2, 1]);
    near(hits[0].score, 1.5135658111526056);
    near(hits[1].score, 0.933626814631763);
    near(hits[2].score, 0.726154189158038);
    const bb = index.search(["b", "b"], 10);
    assert.deepEqual(bb.map((h) => h.doc), [1, 0]);
    near(bb[0].score, 1.452308378316076);
    near(bb[1].score, 1.219939037785504);
    const all = index.scores(["a", "c"]);
    assert.deepEqual(Array.from(all, (s) => Math.round(s * 1e9) / 1e9), [1.513565811, 0.726154189, 0.933626815, 0]);
  });

  it("returns only matching docs, honours k and exclude, and ignores unknown terms", () => {
    assert.deepEqual(index.search(["zzz"], 5), []);
    assert.deepEqual(index.search([], 5), []);
    assert.deepEqual(index.search(["a", "c"], 1).map((h) => h.doc), [0]);
    assert.deepEqual(index.search(["a", "c"], 10, 0).map((h) => h.doc), [2, 1]);
    // The accumulator is cleared between queries.
    assert.deepEqual(index.search(["d"], 10).map((h) => h.doc), [2]);
  });

  it("k1 and b change the scores as the formula says", () => {
    const flat = new Bm25Index(DOCS, { k1: 1.2, b: 0 }); // no length normalisation: K = k1
    near(flat.search(["c"], 1)[0].score, ((3 * 2.2) / (3 + 1.2)) * Math.LN2);
  });

  it("top-k equals a full sort of all scores on a random corpus", () => {
    const r = rng(5);
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const docs = Array.from({ length: 300 }, () => Array.from({ length: Math.floor(r() * 30) }, () => words[Math.floor(r() ** 2 * 40)]));
    const idx = new Bm25Index(docs);
    for (let q = 0; q < 20; q++) {
      const query = Array.from({ length: 1 + Math.floor(r() * 4) }, () => words[Math.floor(r() * 40)]);
      const s = idx.scores(query);
      const expected = Array.from(s, (score, doc) => ({ doc, score }))
        .filter((h) => h.score > 0 && h.doc !== 7)
        .sort((a, b) => b.score - a.score || a.doc - b.doc)
        .slice(0, 10);
      assert.deepEqual(idx.search(query, 10, 7), expected);
    }
  });
});
