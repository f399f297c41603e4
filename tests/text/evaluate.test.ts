import * as assert from "node:assert/strict";
import { defaultGrid, evaluate, formatTable, handJudgedByKind, setFusion, type EngineBuilder, type FusionSetting } from "../../src/text/evaluate";
import { Bm25Index } from "../../src/text/bm25";
import { HybridRanker } from "../../src/text/hybrid";
import { RerankIndex } from "../../src/text/rerank";
import { tokenize } from "../../src/text/tokenize";
import { buildTasks, productTexts, type HandJudged } from "../../src/text/judgements";
import { fnv1a } from "../../src/util/hash";
import type { NeuripsPaper } from "../../src/text/papers";
import type { Engine, Hit, Ranker, RankerName } from "../../src/text/types";

/** 48 synthetic papers on 12 topics (4 each, sharing one author per topic), every abstract two sentences. */
function corpus(): NeuripsPaper[] {
  const topics = ["kernel", "bandit", "graph", "spike", "policy", "gaussian", "sparse", "topic", "vision", "speech", "convex", "boosting"];
  return Array.from({ length: 48 }, (_, i) => {
    const t = topics[i % 12];
    const u = topics[(i * 5 + 3) % 12];
    return {
      index: i,
      id: `p${i}`,
      year: 2000 + (i % 20),
      title: `On ${t} methods v${i}`,
      abstract: `We study ${t} models and ${t} estimators in variant v${i}. Experiments on ${u} data confirm the ${t} theory w${i}.`,
      hasAbstract: true,
      authors: [`Author ${t}`, `Solo ${i}`],
      pdfUrl: "",
      source: "test",
      line: i + 2,
    };
  });
}

const words = (s: string) => new Set(s.toLowerCase().match(/\w+/g) ?? []);

/**
 * A fake engine: bm25 and embed score word overlap, lsa scores noise; the hybrid is the real HybridRanker
 * over them (settable weights, candidates/fuse; a reranker if learnable) or, unsettable, a plain sum. `searches` logs, per index,
 * every query each ranker ran.
 */
function fakeBuilder(searches: Map<string[], Record<string, string[]>>, settable = true, learnable = false): EngineBuilder {
  return async (texts: string[]): Promise<Engine> => {
    const docs = texts.map(words);
    const log: Record<string, string[]> = searches.get(texts) ?? { bm25: [], lsa: [], embed: [], hybrid: [] };
    searches.set(texts, log);
    const scorers: Record<string, (q: string) => number[]> = {
      bm25: (q) => docs.map((d) => [...words(q)].filter((w) => d.has(w)).length),
      embed: (q) => docs.map((d) => [...words(q)].filter((w) => d.has(w)).length ** 0.5),
      lsa: (q) => docs.map((_, i) => (fnv1a(q + i) % 1000) / 10),
    };
    scorers.hybrid = (q) => docs.map((_, i) => scorers.bm25(q)[i] + scorers.lsa(q)[i] + scorers.embed(q)[i]);
    const ranker = (name: RankerName): Ranker => ({
      name,
      async search(q, k, opts): Promise<Hit[]> {
        log[name].push(q);
        return scorers[name](q)
          .map((score, doc) => ({ doc, score }))
          .filter((h) => h.doc !== opts?.exclude)
          .sort((a, b) => b.score - a.score || a.doc - b.doc)
          .slice(0, k);
      },
    });
    const parts = [ranker("bm25"), ranker("lsa"), ranker("embed")];
    const tokens = texts.map(tokenize);
    const rerankIndex = learnable ? new RerankIndex(texts, tokens, new Bm25Index(tokens)) : undefined;
    const hybrid = settable ? new HybridRanker(parts, { depth: 48 }, rerankIndex) : ranker("hybrid");
    return { texts, rankers: { bm25: parts[0], lsa: parts[1], embed: parts[2], hybrid }, buildSeconds: {} };
  };
}

describe("text/evaluate", () => {
  const papers = corpus();

  it("has a 38-point default grid: 19 weight triples without proportional duplicates, two fusion modes", () => {
    const g = defaultGrid();
    assert.equal(g.length, 38);
    assert.equal(g.filter((s) => s.mode === "rrf").length, 19);
    assert.ok(!g.some((s) => s.weights.bm25 === 2 && s.weights.lsa === 2 && s.weights.embed === 2));
    assert.equal(setFusion(undefined, g[0]), false);
  });

  it("tunes the hybrid on TUNE queries only, reports every task and ranker on TEST", async () => {
    const searches = new Map<string[], Record<string, string[]>>();
    const grid: FusionSetting[] = [
      { weights: { bm25: 1, lsa: 1, embed: 0 }, mode: "weighted" },
      { weights: { bm25: 1, lsa: 0, embed: 1 }, mode: "weighted" },
      { weights: { bm25: 0, lsa: 1, embed: 0 }, mode: "rrf" },
    ];
    const lines: string[] = [];
    const ev = await evaluate(papers, { build: fakeBuilder(searches), grid, latencyQueries: 0, warmup: 0, timeWarmBuild: false, progress: (l) => lines.push(l) });
    assert.equal(ev.fusion.tuned, true);
    assert.deepEqual(ev.fusion.chosen, grid[1], "the noise ranker gets weight 0");
    assert.equal(ev.fusion.grid.length, 3);
    // Tuning runs each TUNE query's component rankers once (then only re-fuses); TEST queries run once
    // directly and once inside the hybrid. Latency is off here, so nothing else searches.
    const tasks = buildTasks(papers);
    for (const t of tasks) {
      const seen = [...searches.entries()].find(([docs]) => docs.join("\n") === t.docs.join("\n"))![1];
      for (const q of t.queries) {
        for (const r of ["bm25", "lsa", "embed"]) {
          const times = seen[r].filter((s) => s === q.text).length;
          assert.equal(times, q.split === "tune" ? 1 : 2, `${t.name} ${q.split} query ran ${r} ${times} times`);
        }
      }
    }
    assert.equal(ev.rows.length, 4 * (3 + 3 + 2));
    for (const r of ev.rows) {
      assert.equal(r.split, "test");
      const t = tasks.find((x) => x.name === r.task)!;
      assert.equal(r.queries, t.queries.filter((q) => q.split === "test").length);
      assert.ok(r.value >= 0 && r.value <= 1, `${r.task} ${r.ranker} ${r.metric} = ${r.value}`);
    }
    const v = (task: string, ranker: string, metric: string) => ev.rows.find((r) => r.task === task && r.ranker === ranker && r.metric === metric)!.value;
    assert.equal(v("title_to_abstract", "bm25", "recall@1"), 1, "unique words v<i> make bm25 perfect");
    assert.ok(v("title_to_abstract", "lsa", "mrr") < 0.5, "noise ranker is poor");
    assert.equal(ev.metrics.title_to_abstract_r1, v("title_to_abstract", "hybrid", "recall@1"));
    assert.equal(ev.metrics.author_ndcg10_bm25, v("author_links", "bm25", "ndcg@10"));
    assert.ok(Number.isFinite(ev.metrics.index_build_s));
    assert.ok(lines.some((l) => l.includes("chosen fusion: weighted bm25=1 lsa=0 embed=1")));
    const table = formatTable(ev);
    assert.match(table, /^\| task \| metric \| queries \| bm25 \| lsa \| embed \| hybrid \|/);
    assert.match(table, /\| title_to_abstract \| recall@1 \| \d+ test \| \*\*1\.0000\*\*/);
  });

  it("measures latency, the warm rebuild and the hand-judged set; keeps the default fusion when weights are not settable", async () => {
    const hand: HandJudged = {
      judge: "test",
      method: "test",
      scale: {},
      queries: [
        { qid: "a", paper: "p0", judgements: { p12: 2, p24: 1, p1: 0 } },
        { qid: "b", text: "graph methods", judgements: { p2: 2, p5: 0 } },
      ],
    };
    let builds = 0;
    const inner = fakeBuilder(new Map(), false);
    const ev = await evaluate(papers, {
      build: async (t, o) => (builds++, inner(t, o)),
      limit: { perSplit: 3 },
      latencyQueries: 5,
      warmup: 1,
      handJudged: hand,
    });
    assert.equal(builds, 4 + 1 - 1, "product (shared with the author task) + warm rebuild + two task indexes");
    assert.equal(ev.fusion.tuned, false);
    assert.ok(ev.metrics.query_p95_ms >= 0);
    assert.ok(ev.metrics.index_build_s >= 0 && ev.seconds.build_product_warm !== undefined);
    assert.ok(Object.values(ev.queryCounts).every((c) => c.test <= 3 && c.tune <= 3));
    const hj = ev.rows.filter((r) => r.task === "hand_judged");
    assert.equal(hj.length, 4 * 3);
    const bm = (m: string) => hj.find((r) => r.ranker === "bm25" && r.metric === m)!.value;
    assert.ok(bm("ndcg@10") > 0 && bm("judged@10") > 0 && bm("judged@10") <= 0.25);
    // Per query: kind from the query's form, each ranker's nDCG; their mean is the row's, and the summary regroups them.
    assert.deepEqual(ev.handJudged!.map((q) => [q.qid, q.kind]), [["a", "paper"], ["b", "free text"]]);
    const perQuery = ev.handJudged!.map((q) => q.ndcg.bm25!);
    assert.ok(Math.abs((perQuery[0] + perQuery[1]) / 2 - bm("ndcg@10")) < 1e-12);
    const byKind = handJudgedByKind(ev.handJudged!);
    assert.deepEqual(byKind.map((g) => [g.kind, g.queries]), [["paper", 1], ["free text", 1], ["all", 2]]);
    assert.equal(byKind[0].ndcg.bm25, perQuery[0]);
    assert.equal(byKind[2].ndcg.bm25, bm("ndcg@10"));
    assert.deepEqual(Object.keys(byKind[2].ndcg).sort(), ["bm25", "embed", "hybrid", "lsa"]);
    assert.deepEqual(Object.keys(ev.metrics).slice(0, 5), ["title_to_abstract_r1", "author_ndcg10_hybrid", "author_ndcg10_bm25", "query_p95_ms", "index_build_s"]);
    assert.equal(productTexts(papers).length, 48);
  });

  it("runs only the chosen tasks and applies a fusion setting fixed in advance", async () => {
    const engines: Engine[] = [];
    const inner = fakeBuilder(new Map());
    const fixed: FusionSetting = { weights: { bm25: 2, lsa: 0, embed: 1 }, mode: "weighted" };
    const ev = await evaluate(papers, { build: async (t, o) => { const e = await inner(t, o); engines.push(e); return e; }, tasks: ["half_to_half"], fusion: fixed, latencyQueries: 0, warmup: 0, timeWarmBuild: false });
    assert.deepEqual([...new Set(ev.rows.map((r) => r.task))], ["half_to_half"]);
    assert.deepEqual([ev.fusion.fixed, ev.fusion.grid.length, ev.fusion.chosen], [true, 0, fixed]);
    for (const e of engines) assert.deepEqual((e.rankers.hybrid as HybridRanker).options.weights, fixed.weights);
  });

  it("fits a reranker on the TUNE queries outside the grid's sample, which then competes on the sample", async () => {
    const grid: FusionSetting[] = [{ weights: { bm25: 0, lsa: 1, embed: 0 }, mode: "rrf" }];
    const engines: Engine[] = [];
    const inner = fakeBuilder(new Map(), true, true);
    const ev = await evaluate(papers, { build: async (t, o) => { const e = await inner(t, o); engines.push(e); return e; }, grid, tuneQueries: 4, latencyQueries: 0, warmup: 0, timeWarmBuild: false });
    const r = ev.fusion.reranker!;
    for (const t of buildTasks(papers)) {
      const tune = t.queries.filter((q) => q.split === "tune").length;
      assert.ok(tune > 4);
      assert.equal(r.queries[t.name], tune - 4, `${t.name}: every TUNE query but the grid's 4`);
    }
    // Every synthetic query is short (under 30 tokens); all have their relevant doc among the candidates.
    assert.deepEqual(r.trainedOn, { short: Object.values(r.queries).reduce((a, b) => a + b, 0), long: 0 });
    assert.deepEqual(ev.fusion.grid.map((g) => g.mode), ["rrf", "learned"]);
    assert.ok(ev.fusion.grid.every((g) => Number.isFinite(g.objective)));
    // The noise ranker alone loses to the reranker, which is then every engine's fusion.
    assert.deepEqual(ev.fusion.chosen, { weights: {}, mode: "learned" });
    for (const e of engines) assert.equal((e.rankers.hybrid as HybridRanker).options.mode, "learned");
    const v = (task: string, ranker: string) => ev.rows.find((x) => x.task === task && x.ranker === ranker && x.metric === "recall@1")!.value;
    assert.ok(v("title_to_abstract", "hybrid") > v("title_to_abstract", "lsa"));
    await assert.rejects(evaluate(papers, { build: inner, fusion: { weights: {}, mode: "learned" } }), /cannot be fixed in advance/);
    await evaluate(papers, { build: fakeBuilder(new Map(), true, true), grid, learn: false, tuneQueries: 4, latencyQueries: 0, warmup: 0, timeWarmBuild: false }).then((e) => {
      assert.equal(e.fusion.reranker, undefined);
      assert.equal(e.fusion.grid.length, 1);
    });
  });
});
