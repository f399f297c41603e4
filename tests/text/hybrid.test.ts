import * as assert from "node:assert/strict";
import { Bm25Index } from "../../src/text/bm25";
import { HybridRanker, rrfFuse, weightedFuse, type CandidateLists } from "../../src/text/hybrid";
import { RERANK_DEPTH, RERANK_FEATURES, RerankIndex, type RerankModel } from "../../src/text/rerank";
import { tokenize } from "../../src/text/tokenize";
import type { Hit, Ranker, RankerName } from "../../src/text/types";

/** A ranker answering fixed hits (best first), recording the k and options it was asked with. */
function fixed(name: RankerName, hits: Hit[]): Ranker & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    name,
    calls,
    async search(query, k, opts) {
      if (!query.trim()) throw new Error(`empty query: ${JSON.stringify(query)}`);
      calls.push({ k, opts });
      return hits.filter((h) => h.doc !== opts?.exclude).slice(0, k);
    },
  };
}

const LISTS: CandidateLists = [
  { name: "bm25", hits: [{ doc: 1, score: 12 }, { doc: 2, score: 8 }, { doc: 3, score: 2 }] },
  { name: "lsa", hits: [{ doc: 2, score: 0.9 }, { doc: 1, score: 0.5 }] },
  { name: "embed", hits: [{ doc: 3, score: 0.7 }] },
];

describe("text/hybrid", () => {
  it("reciprocal-rank fusion sums w / (60 + rank), ties to the lower doc", () => {
    // d1: 1/61 + 1/62, d2: 1/62 + 1/61 (equal: d1 first), d3: 1/63 + 1/61.
    const hits = rrfFuse(LISTS, 10);
    assert.deepEqual(hits.map((h) => h.doc), [1, 2, 3]);
    assert.ok(Math.abs(hits[0].score - (1 / 61 + 1 / 62)) < 1e-15);
    assert.ok(Math.abs(hits[2].score - (1 / 63 + 1 / 61)) < 1e-15);
    // Weighting the embeddings 3x: d3 = 1/63 + 3/61 wins; a zero weight drops a list.
    assert.deepEqual(rrfFuse(LISTS, 10, { embed: 3 }).map((h) => h.doc), [3, 1, 2]);
    assert.deepEqual(rrfFuse(LISTS, 10, { bm25: 0, embed: 0 }).map((h) => h.doc), [2, 1]);
    assert.equal(rrfFuse(LISTS, 2).length, 2);
  });

  it("weighted fusion sums min-max-scaled scores", () => {
    // bm25 scaled: d1 1, d2 0.6, d3 0; lsa: d2 1, d1 0; embed (one hit): d3 1.
    const hits = weightedFuse(LISTS, 10, { bm25: 1, lsa: 0.5, embed: 0.2 });
    assert.deepEqual(hits.map((h) => h.doc), [2, 1, 3]);
    assert.ok(Math.abs(hits[0].score - 1.1) < 1e-12); // 0.6 + 0.5 * 1
    assert.ok(Math.abs(hits[1].score - 1) < 1e-12); // 1 + 0.5 * 0
    assert.ok(Math.abs(hits[2].score - 0.2) < 1e-12); // 0 + 0.2 * 1
  });

  it("queries each component for depth candidates, passes exclude on, and fuses by the chosen mode", async () => {
    const parts = [fixed("bm25", LISTS[0].hits), fixed("lsa", LISTS[1].hits), fixed("embed", LISTS[2].hits)];
    const h = new HybridRanker(parts, { depth: 50 });
    assert.equal(h.options.mode, "rrf");
    assert.deepEqual((await h.search("q", 2)).map((x) => x.doc), [1, 2]);
    assert.deepEqual(parts[0].calls[0], { k: 50, opts: {} });
    assert.deepEqual((await h.search("q", 5, { exclude: 1 })).map((x) => x.doc), [2, 3]);
    h.setWeights({ bm25: 1, lsa: 0.5, embed: 0.2 }, "weighted");
    assert.deepEqual((await h.search("q", 3)).map((x) => x.doc), [2, 1, 3]);
    const lists = await h.candidates("q");
    assert.deepEqual(lists.map((l) => l.name), ["bm25", "lsa", "embed"]);
    assert.deepEqual(h.fuse(lists, 3), weightedFuse(LISTS, 3, { bm25: 1, lsa: 0.5, embed: 0.2 }));
    assert.throws(() => h.setWeights({ lsa: -1 }), /weight of lsa must be a finite number >= 0/);
    await assert.rejects(h.search("  ", 3), /empty query/);
    await assert.rejects(h.search("q", 0), /k must be a positive integer/);
  });

  it("mode learned: the reranker orders each list's top candidates, the rest follow in reciprocal-rank order", async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `paper ${i} about kernels`);
    const tokens = texts.map(tokenize);
    const bm = fixed("bm25", texts.map((_, doc) => ({ doc, score: 40 - doc })));
    const h = new HybridRanker([bm, fixed("lsa", []), fixed("embed", [])], {}, new RerankIndex(texts, tokens, new Bm25Index(tokens)));
    assert.throws(() => h.setWeights({}, "learned"), /needs a fitted reranker/);
    // Weights that prefer a worse BM25 rank: the top 30 come out reversed.
    const w = RERANK_FEATURES.map((f) => (f === "bm25 1/rank" ? -1 : 0));
    const model: RerankModel = { features: [...RERANK_FEATURES], short: w, long: w.map(() => 0), shortQueryTokens: 30, trainedOn: { short: 1, long: 0 } };
    h.setReranker(model);
    h.setWeights({}, "learned");
    const hits = await h.search("kernels", 40);
    const depth = Array.from({ length: RERANK_DEPTH }, (_, i) => i);
    assert.deepEqual(hits.map((x) => x.doc), [...depth.reverse(), ...Array.from({ length: 40 - RERANK_DEPTH }, (_, i) => RERANK_DEPTH + i)]);
    assert.ok(hits.every((x, i) => i === 0 || x.score < hits[i - 1].score));
    assert.deepEqual((await h.search("kernels", 5, { exclude: 29 })).map((x) => x.doc), [30, 28, 27, 26, 25]); // 29 left out, so 30 enters the top 30
    const lists = await h.candidates("kernels");
    assert.throws(() => h.fuse(lists, 3), /needs the query/);
    assert.throws(() => new HybridRanker([bm]).setReranker(model), /without a rerank index/);
  });
});
