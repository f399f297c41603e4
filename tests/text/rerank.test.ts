import * as assert from "node:assert/strict";
import { Bm25Index } from "../../src/text/bm25";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fitReranker, loadRerankModel, rerank, RERANK_DEPTH, RERANK_FEATURES, RerankIndex, saveRerankModel, SHORT_QUERY_TOKENS, type RerankExample, type RerankModel } from "../../src/text/rerank";
import { tokenize } from "../../src/text/tokenize";
import { rng } from "../../src/util/random";

const TEXTS = [
  "Kernel machines for regression. We study the kernel trick in detail.", // d0
  "Sparse coding of natural images. Dictionaries are learned from patches.", // d1
  "We study kernel regression with sparse kernel machines.", // d2
  "Spiking neurons and synaptic plasticity.", // d3
];
const at = (name: (typeof RERANK_FEATURES)[number]) => RERANK_FEATURES.indexOf(name);

function index(): RerankIndex {
  const tokens = TEXTS.map(tokenize);
  return new RerankIndex(TEXTS, tokens, new Bm25Index(tokens));
}

describe("text/rerank", () => {
  it("computes each candidate's features from the lists and the texts", () => {
    const bm = new Bm25Index(TEXTS.map(tokenize));
    const query = "kernel machines";
    const lists = [
      { name: "bm25" as const, hits: bm.search(tokenize(query), 10) },
      { name: "lsa" as const, hits: [{ doc: 2, score: 0.9 }, { doc: 3, score: 0.5 }] },
      { name: "embed" as const, hits: [] },
    ];
    const f = index().features(query, lists);
    // The union of the lists in first-seen order: BM25's hits (d0, d2 share both terms), then d3 from LSA.
    assert.deepEqual(f.docs, [...lists[0].hits.map((h) => h.doc), 3]);
    assert.equal(f.queryTokens, 2);
    const row = (d: number) => f.x[f.docs.indexOf(d)];
    const scores = bm.scores(tokenize(query));
    const best = Math.max(scores[0], scores[2]);
    assert.ok(Math.abs(row(0)[at("bm25 / best bm25")] - scores[0] / best) < 1e-12);
    assert.equal(row(3)[at("bm25 / best bm25")], 0);
    assert.equal(row(3)[at("bm25 1/rank")], 1 / (2 * RERANK_DEPTH)); // absent from BM25's list
    // LSA: d2 is its best (0 below best, rank 1); d0 is absent, so it gets the list's last score.
    assert.deepEqual([row(2)[at("lsa - best lsa")], row(2)[at("lsa 1/rank")]], [0, 1]);
    assert.ok(Math.abs(row(0)[at("lsa - best lsa")] - (0.5 - 0.9)) < 1e-12);
    assert.deepEqual([row(0)[at("embed - best embed")], row(0)[at("embed 1/rank")]], [0, 1 / (2 * RERANK_DEPTH)]);
    // Coverage: d0 and d2 hold both query terms, d3 neither; the bigram "kernel machin" only d0 and d2.
    assert.deepEqual([0, 2, 3].map((d) => row(d)[at("query-term coverage")]), [1, 1, 0]);
    assert.deepEqual([0, 2, 3].map((d) => row(d)[at("idf coverage")]), [1, 1, 0]);
    assert.deepEqual([0, 2, 3].map((d) => row(d)[at("query-bigram coverage")]), [1, 1, 0]);
    // First sentence: d0's is "Kernel machines for regression." (both terms); d2 has one sentence.
    assert.equal(row(0)[at("first-sentence idf coverage")], 1);
    assert.ok(Math.abs(row(0)[at("log length")] - Math.log1p(tokenize(TEXTS[0]).length)) < 1e-12);
    // Both terms are in 2 of 4 docs: rare (df <= 5), so 2 shared rare terms.
    assert.ok(Math.abs(row(0)[at("log(1 + shared rare terms)")] - Math.log(3)) < 1e-12);
    assert.equal(row(3)[at("function-word cosine")], 0); // a query without stop words
    // "we", "the" against d0's "for we the in" (one each): 2 / (sqrt 2 * 2).
    const styled = index().features("we study the kernel", lists);
    assert.ok(Math.abs(styled.x[styled.docs.indexOf(0)][at("function-word cosine")] - Math.SQRT1_2) < 1e-6);
    // Raw word pairs, stop words kept: "kernel machines" is in d0 ("Kernel machines for...") but not in d2
    // ("sparse kernel machines" holds it too: both); "we study the kernel" has 3 pairs, d0 holds all 3.
    assert.deepEqual([0, 2, 3].map((d) => row(d)[at("raw-bigram coverage")]), [1, 1, 0]);
    const s0 = styled.x[styled.docs.indexOf(0)];
    const s2 = styled.x[styled.docs.indexOf(2)];
    assert.deepEqual([s0[at("raw-bigram coverage")], s2[at("raw-bigram coverage")]], [1, 1 / 3]); // d2: "we study" only
    assert.ok(Math.abs(s0[at("log(1 + shared raw trigrams)")] - Math.log(3)) < 1e-12); // "we study the", "study the kernel"
    assert.equal(s2[at("log(1 + shared raw trigrams)")], 0);
    // Every raw pair here is in at most 3 docs: rare.
    assert.ok(Math.abs(s0[at("log(1 + shared rare raw bigrams)")] - Math.log(4)) < 1e-12);
    assert.ok(Math.abs(row(0)[at("length gap")] - Math.abs(Math.log(3) - Math.log1p(tokenize(TEXTS[0]).length))) < 1e-12);
    for (const x of f.x) assert.equal(x.length, RERANK_FEATURES.length);
  });

  it("learns separate weights for short and long queries that put the relevant candidate first", () => {
    // Short queries: the relevant candidate has the highest coverage; long ones: the highest style cosine.
    // The other features are noise, and BM25's rank points at a wrong candidate.
    const rand = rng(3);
    const make = (short: boolean): RerankExample => {
      const n = 12;
      const good = Math.floor(rand() * n);
      const x = Array.from({ length: n }, (_, i) => {
        const f = Float64Array.from(RERANK_FEATURES, () => rand());
        f[at(short ? "query-term coverage" : "function-word cosine")] = i === good ? 0.9 : 0.6 * rand();
        f[at("bm25 1/rank")] = i === (good + 1) % n ? 1 : 0.1;
        return f;
      });
      return { docs: x.map((_, i) => i), x, queryTokens: short ? 6 : 120, relevant: x.map((_, i) => i === good) };
    };
    const train = Array.from({ length: 200 }, (_, i) => make(i % 2 === 0));
    const noSignal = { ...make(true), relevant: new Array(12).fill(false) };
    const model = fitReranker([...train, noSignal]);
    assert.deepEqual(model.trainedOn, { short: 100, long: 100 });
    assert.equal(model.shortQueryTokens, SHORT_QUERY_TOKENS);
    assert.ok(model.short[at("query-term coverage")] > 1 && model.long[at("function-word cosine")] > 1);
    const held = Array.from({ length: 100 }, (_, i) => make(i % 2 === 0));
    const firstRight = held.filter((e) => e.relevant[rerank(model, e)[0].doc]).length;
    assert.ok(firstRight >= 95, `${firstRight} of 100 held-out queries ranked the relevant candidate first`);
    assert.deepEqual(fitReranker(train), fitReranker(train)); // deterministic
  });

  it("rejects malformed training queries", () => {
    const x = [new Float64Array(RERANK_FEATURES.length)];
    assert.throws(() => fitReranker([{ docs: [0], x, queryTokens: 3, relevant: [] }]), /1 candidates, 1 feature rows and 0 labels/);
    assert.throws(() => fitReranker([{ docs: [0], x: [new Float64Array(3)], queryTokens: 3, relevant: [true] }]), /not 19 finite numbers/);
    assert.throws(() => fitReranker([{ docs: [0], x: [x[0].map(() => NaN)], queryTokens: 3, relevant: [true] }]), /not 19 finite numbers/);
  });

  it("saves a fitted reranker and reads it back; rejects one fitted on other features", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rerank-"));
    const file = path.join(dir, "reranker.json");
    const w = RERANK_FEATURES.map((_, j) => j / 10);
    const model: RerankModel = { features: [...RERANK_FEATURES], short: w, long: w.map((x) => 1 - x), shortQueryTokens: 30, trainedOn: { short: 5, long: 7 } };
    saveRerankModel(file, model, { commit: "abc" });
    assert.deepEqual(loadRerankModel(file), model);
    assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).commit, "abc");
    fs.writeFileSync(file, JSON.stringify({ ...model, features: ["bm25 score"] }));
    assert.throws(() => loadRerankModel(file), /fitted on other features \(\["bm25 score"\]\); refit it/);
    fs.writeFileSync(file, JSON.stringify({ ...model, long: [1, 2] }));
    assert.throws(() => loadRerankModel(file), /"long" must be 19 finite numbers/);
    fs.writeFileSync(file, "{");
    assert.throws(() => loadRerankModel(file), /cannot read the reranker/);
    fs.rmSync(dir, { recursive: true });
  });
});
