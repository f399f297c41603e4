import { UserError } from "../errors";
import { percentile } from "../util/percentile";
import { buildTasks, handJudgedQueries, productTexts, type HandJudged, type MetricName, type Query, type QueryLimit, type Split, type Task, type TaskName } from "./judgements";
import { mean, ndcgAtK, precisionAtK, reciprocalRank, recallAtK, type Relevance } from "./metrics";
import { paperText, type NeuripsPaper } from "./papers";
import type { FusionMode, FusionWeights } from "./hybrid";
import { fitReranker, type CandidateFeatures, type RerankModel } from "./rerank";
import type { Engine, EngineOptions, Hit, Ranker, RankerName, SearchOptions } from "./types";

/**
 * Runs every pseudo-relevance task (judgements.ts) and the hand-judged set for every ranker, tunes the
 * hybrid's fusion weights on the TUNE queries and reports TEST only, and times the product index.
 * Written against the Engine interface only, so tests drive it with a fake engine.
 */
export type EngineBuilder<E extends Engine = Engine> = (texts: string[], opts?: EngineOptions) => Promise<E>;
export const ALL_RANKERS: readonly RankerName[] = ["bm25", "lsa", "embed", "hybrid"];
/** The base rankers the hybrid fuses, in the order fusion weights are listed. */
export const FUSED: readonly RankerName[] = ["bm25", "lsa", "embed"];

export interface EvaluateOptions<E extends Engine = Engine> {
  build: EngineBuilder<E>;
  engineOptions?: EngineOptions;
  rankers?: RankerName[];
  /** Quick mode: a seeded sample of at most `perSplit` queries per split and task. */
  limit?: QueryLimit;
  /** TUNE queries per task used by the weight grid (evenly spaced over the TUNE split); default 300. */
  tuneQueries?: number;
  /** Candidate fusion settings; default `defaultGrid()`. An empty grid keeps the engine's default. */
  grid?: FusionSetting[];
  /** A fusion setting fixed in advance (chosen on TUNE by an earlier run): no grid search. */
  fusion?: FusionSetting;
  /**
   * Fit a learned reranker (where the hybrid offers one) on the TUNE queries outside the grid's sample,
   * and let it compete with the grid settings on that sample; default true.
   */
  learn?: boolean;
  /** Which pseudo-relevance tasks to run; default all three. */
  tasks?: TaskName[];
  /** Result depth for Recall@k and MRR (MRR is MRR@depth); default 100. */
  depth?: number;
  /** Latency: timed single queries on the product index after `warmup` untimed ones; default 200 and 20. */
  latencyQueries?: number;
  warmup?: number;
  /** Rebuild the product index once more to time a build with a warm vector cache; default true. */
  timeWarmBuild?: boolean;
  handJudged?: HandJudged;
  progress?: (line: string) => void;
}

export interface EvalRow {
  task: TaskName | "hand_judged";
  ranker: RankerName;
  metric: MetricName | "judged@10";
  value: number;
  /** Queries the mean is over. */
  queries: number;
  /** The split the figure is on ("all" for the hand-judged set, which is never tuned on). */
  split: Split | "all";
}

/** One hand-judged query's nDCG@10 by ranker: a paper's text (the paper itself excluded) or free text. */
export interface HandQueryResult {
  qid: string;
  kind: "paper" | "free text";
  text: string;
  ndcg: Partial<Record<RankerName, number>>;
}

/** Mean nDCG@10 of the hand-judged queries by kind and ranker, then over all of them. */
export function handJudgedByKind(results: readonly HandQueryResult[]): { kind: string; queries: number; ndcg: Partial<Record<RankerName, number>> }[] {
  const groups: [string, readonly HandQueryResult[]][] = [
    ["paper", results.filter((q) => q.kind === "paper")],
    ["free text", results.filter((q) => q.kind === "free text")],
    ["all", results],
  ];
  return groups
    .filter(([, qs]) => qs.length > 0)
    .map(([kind, qs]) => {
      const rankers = [...new Set(qs.flatMap((q) => Object.keys(q.ndcg)))] as RankerName[];
      return { kind, queries: qs.length, ndcg: Object.fromEntries(rankers.map((r) => [r, mean(qs.map((q) => q.ndcg[r] ?? NaN))])) };
    });
}

export interface FusionResult {
  /** False when the hybrid exposes no settable weights (then it ran with its own default). */
  tuned: boolean;
  /** True when the setting was given (`fusion` option) rather than searched here. */
  fixed?: boolean;
  chosen?: FusionSetting;
  /** Every grid point with its TUNE objective (mean over tasks of each task's primary metric). */
  grid: (FusionSetting & { objective: number })[];
  /** The reranker fitted for mode "learned", with the TUNE queries (per task) it was fitted on. */
  reranker?: RerankModel & { queries: Record<string, number>; seconds: number };
}

export interface Evaluation<E extends Engine = Engine> {
  /** The product index (every paper) as evaluated, its hybrid left at the chosen fusion: reuse it for searches. */
  product: E;
  rows: EvalRow[];
  metrics: Record<string, number>;
  fusion: FusionResult;
  /** Queries per task and split that were run. */
  queryCounts: Record<string, { tune: number; test: number }>;
  /** Wall seconds of each step. */
  seconds: Record<string, number>;
  papers: number;
  /** Every hand-judged query's nDCG@10 by ranker (when the set was given). */
  handJudged?: HandQueryResult[];
}

/** A fusion setting the grid tries: weights, and the hybrid's fusion mode where it has one. */
export interface FusionSetting {
  weights: FusionWeights;
  mode?: FusionMode;
}

/**
 * Weight triples over {0, 1, 2} for (bm25, lsa, embed), none all-zero and no two proportional (19), each
 * with reciprocal-rank and with weighted-score fusion: 38 settings.
 */
export function defaultGrid(): FusionSetting[] {
  const seen = new Set<string>();
  const weights: FusionWeights[] = [];
  for (const a of [0, 1, 2]) {
    for (const b of [0, 1, 2]) {
      for (const c of [0, 1, 2]) {
        const m = Math.max(a, b, c);
        if (m === 0) continue;
        const key = [a / m, b / m, c / m].join();
        if (seen.has(key)) continue;
        seen.add(key);
        weights.push({ bm25: a, lsa: b, embed: c });
      }
    }
  }
  return (["rrf", "weighted"] as const).flatMap((mode) => weights.map((w) => ({ weights: w, mode })));
}

/** The hybrid's tuning surface (src/text/hybrid.ts): settable weights, optionally candidates-then-fuse and a reranker. */
interface Tunable extends Ranker {
  setWeights(w: FusionWeights, mode?: FusionMode): void;
  candidates?(query: string, k: number, opts?: SearchOptions): Promise<unknown>;
  fuse?(lists: unknown, k: number, query?: string): Hit[];
  readonly rerankIndex?: unknown;
  features?(query: string, lists: unknown): CandidateFeatures;
  setReranker?(m: RerankModel): void;
}

function canLearn(r: Tunable): r is Tunable & Required<Pick<Tunable, "candidates" | "features" | "setReranker">> {
  return !!r.rerankIndex && typeof r.candidates === "function" && typeof r.features === "function" && typeof r.setReranker === "function";
}

function tunable(r: Ranker | undefined): r is Tunable {
  return !!r && typeof (r as Partial<Tunable>).setWeights === "function";
}

/** Applies a setting to a hybrid ranker; false when it has no settable weights. */
export function setFusion(ranker: Ranker | undefined, s: FusionSetting): boolean {
  if (!tunable(ranker)) return false;
  if (s.mode) ranker.setWeights(s.weights, s.mode);
  else ranker.setWeights(s.weights);
  return true;
}

function score(metric: MetricName, ranked: number[], rel: Relevance): number {
  switch (metric) {
    case "recall@1":
      return recallAtK(ranked, rel, 1);
    case "recall@10":
      return recallAtK(ranked, rel, 10);
    case "mrr":
      return reciprocalRank(ranked, rel);
    case "ndcg@10":
      return ndcgAtK(ranked, rel, 10);
    case "p@10":
      return precisionAtK(ranked, rel, 10);
  }
}

/** Mean of each of the task's metrics over `queries` for one ranker. */
export async function runQueries(ranker: Ranker, task: Task, queries: readonly Query[], depth: number, progress?: (done: number) => void): Promise<Record<MetricName, number>> {
  const per = new Map<MetricName, number[]>(task.metrics.map((m) => [m, []]));
  let done = 0;
  for (const q of queries) {
    const hits = await ranker.search(q.text, depth, q.exclude === undefined ? undefined : { exclude: q.exclude });
    const ranked = hits.map((h) => h.doc);
    for (const m of task.metrics) per.get(m)!.push(score(m, ranked, q.relevant));
    if (++done % 500 === 0) progress?.(done);
  }
  return Object.fromEntries([...per].map(([m, xs]) => [m, mean(xs)])) as Record<MetricName, number>;
}

const now = () => performance.now() / 1000;

export async function evaluate<E extends Engine = Engine>(papers: readonly NeuripsPaper[], opts: EvaluateOptions<E>): Promise<Evaluation<E>> {
  const rankers = opts.rankers ?? [...ALL_RANKERS];
  const depth = opts.depth ?? 100;
  const log = opts.progress ?? (() => {});
  const seconds: Record<string, number> = {};
  const engineOpts = { ...opts.engineOptions, rankers, progress: opts.engineOptions?.progress ?? log };

  const productDocs = productTexts(papers);
  const tasks = buildTasks(papers, opts.limit, productDocs).filter((t) => !opts.tasks || opts.tasks.includes(t.name));
  const engines = new Map<string[], E>();
  const engineFor = async (docs: string[], what: string): Promise<E> => {
    const have = engines.get(docs);
    if (have) return have;
    log(`[eval] building the ${what} index (${docs.length} texts)`);
    const t0 = now();
    const e = await opts.build(docs, engineOpts);
    seconds[`build_${what}`] = now() - t0;
    engines.set(docs, e);
    return e;
  };
  const product = await engineFor(productDocs, "product");
  if (opts.timeWarmBuild ?? true) {
    log("[eval] rebuilding the product index to time a build with a warm vector cache");
    const t0 = now();
    await opts.build(productDocs, engineOpts);
    seconds.build_product_warm = now() - t0;
  }
  for (const t of tasks) await engineFor(t.docs, t.name);
  const fitEngine = (t: Task) => engines.get(t.fitDocs ?? t.docs)!;

  // Fusion weights: grid search on TUNE queries only.
  const fusion: FusionResult = { tuned: false, grid: [] };
  const grid = opts.fusion ? [] : [...(opts.grid ?? defaultGrid())];
  if (opts.fusion?.mode === "learned") throw new UserError("a learned fusion is fitted on TUNE queries; it cannot be fixed in advance");
  if (opts.fusion && setFusion(product.rankers.hybrid, opts.fusion)) {
    for (const e of engines.values()) setFusion(e.rankers.hybrid, opts.fusion);
    Object.assign(fusion, { tuned: true, fixed: true, chosen: opts.fusion });
    log(`[eval] fusion fixed in advance: ${fmtSetting(opts.fusion)}`);
  }
  if (rankers.includes("hybrid") && grid.length && tasks.length && tunable(product.rankers.hybrid)) {
    const t0 = now();
    const tuneSets = tasks.map((t) => sampleTune(t.queries, opts.tuneQueries ?? 300));
    const hybrids = [...engines.values()].map((e) => e.rankers.hybrid as Tunable);
    if ((opts.learn ?? true) && hybrids.every(canLearn)) {
      for (const t of tasks) if (t.fitDocs) await engineFor(t.fitDocs, `${t.name}_fit`);
      fusion.reranker = await fitOnTune(tasks, tuneSets, (t) => fitEngine(t).rankers.hybrid as Tunable, depth, log);
      for (const e of engines.values()) (e.rankers.hybrid as Tunable).setReranker!(fusion.reranker);
      grid.push({ weights: {}, mode: "learned" });
    }
    log(`[eval] tuning fusion: ${grid.length} settings x ${tuneSets.map((q) => q.length).join("+")} TUNE queries`);
    // With candidates/fuse, each TUNE query runs the component rankers once; each setting only re-fuses.
    const searchers = await Promise.all(tasks.map((t, i) => tuneSearcher(engines.get(t.docs)!.rankers.hybrid as Tunable, tuneSets[i], depth)));
    for (const setting of grid) {
      const perTask: number[] = [];
      for (const [i, t] of tasks.entries()) {
        setFusion(engines.get(t.docs)!.rankers.hybrid, setting);
        perTask.push((await runQueries(searchers[i], t, tuneSets[i], depth))[t.primary]);
      }
      fusion.grid.push({ ...setting, objective: mean(perTask) });
      log(`[eval]   ${fmtSetting(setting)}: ${mean(perTask).toFixed(4)}`);
    }
    const best = fusion.grid.reduce((x, y) => (y.objective > x.objective ? y : x));
    for (const e of engines.values()) setFusion(e.rankers.hybrid, best);
    fusion.tuned = true;
    fusion.chosen = { weights: best.weights, mode: best.mode };
    seconds.tune = now() - t0;
    log(`[eval] chosen fusion: ${fmtSetting(best)} (TUNE objective ${best.objective.toFixed(4)})`);
  }

  // Every task x ranker on TEST.
  const rows: EvalRow[] = [];
  const queryCounts: Evaluation["queryCounts"] = {};
  for (const t of tasks) {
    const test = t.queries.filter((q) => q.split === "test");
    queryCounts[t.name] = { tune: t.queries.length - test.length, test: test.length };
    const e = engines.get(t.docs)!;
    for (const r of rankers) {
      const ranker = e.rankers[r];
      if (!ranker) throw new Error(`the engine built no ${r} ranker`);
      const t0 = now();
      const res = await runQueries(ranker, t, test, depth, (done) => log(`[eval] ${t.name} ${r}: ${done}/${test.length}`));
      seconds[`${t.name}_${r}`] = now() - t0;
      for (const m of t.metrics) rows.push({ task: t.name, ranker: r, metric: m, value: res[m], queries: test.length, split: "test" });
      log(`[eval] ${t.name} ${r}: ${t.metrics.map((m) => `${m} ${res[m].toFixed(4)}`).join(", ")} (${test.length} TEST queries, ${(now() - t0).toFixed(1)} s)`);
    }
  }

  // Hand-judged set, on the product index.
  let handJudged: HandQueryResult[] | undefined;
  if (opts.handJudged) {
    const hq = handJudgedQueries(opts.handJudged, papers);
    handJudged = hq.map((q) => ({ qid: q.qid, kind: q.exclude === undefined ? "free text" : "paper", text: q.text, ndcg: {} }));
    for (const r of rankers) {
      const ranker = product.rankers[r]!;
      const nd: number[] = [];
      const p10: number[] = [];
      const judged: number[] = [];
      for (const [i, q] of hq.entries()) {
        const ranked = (await ranker.search(q.text, 10, q.exclude === undefined ? undefined : { exclude: q.exclude })).map((h) => h.doc);
        nd.push(ndcgAtK(ranked, q.grades, 10));
        handJudged[i].ndcg[r] = nd[i];
        p10.push(precisionAtK(ranked, q.grades, 10));
        judged.push(ranked.filter((d) => q.judged.has(d)).length / Math.max(1, ranked.length));
      }
      rows.push({ task: "hand_judged", ranker: r, metric: "ndcg@10", value: mean(nd), queries: hq.length, split: "all" });
      rows.push({ task: "hand_judged", ranker: r, metric: "p@10", value: mean(p10), queries: hq.length, split: "all" });
      rows.push({ task: "hand_judged", ranker: r, metric: "judged@10", value: mean(judged), queries: hq.length, split: "all" });
    }
  }

  // Latency: end to end (query encoding included) on the product index; queries are paper texts (title +
  // abstract, the use case), spread over the corpus by a stride prime to its size.
  const latencyRanker = product.rankers[rankers.includes("hybrid") ? "hybrid" : rankers[0]]!;
  const pool = papers.filter((p) => p.hasAbstract);
  const nLat = opts.latencyQueries ?? 200;
  const nWarm = opts.warmup ?? 20;
  const lat: number[] = [];
  for (let i = 0; i < nWarm + nLat && pool.length; i++) {
    const p = pool[(i * 7919) % pool.length];
    const t0 = performance.now();
    await latencyRanker.search(paperText(p), 10);
    if (i >= nWarm) lat.push(performance.now() - t0);
  }

  const get = (task: EvalRow["task"], ranker: RankerName, metric: EvalRow["metric"]) => rows.find((x) => x.task === task && x.ranker === ranker && x.metric === metric)?.value ?? NaN;
  const metrics: Record<string, number> = {
    title_to_abstract_r1: get("title_to_abstract", "hybrid", "recall@1"),
    author_ndcg10_hybrid: get("author_links", "hybrid", "ndcg@10"),
    author_ndcg10_bm25: get("author_links", "bm25", "ndcg@10"),
    query_p95_ms: percentile(lat, 95),
    index_build_s: seconds.build_product_warm ?? seconds.build_product,
    query_p50_ms: percentile(lat, 50),
    half_to_half_mrr_hybrid: get("half_to_half", "hybrid", "mrr"),
    title_to_abstract_mrr_hybrid: get("title_to_abstract", "hybrid", "mrr"),
  };
  if (opts.handJudged) {
    metrics.hand_ndcg10_hybrid = get("hand_judged", "hybrid", "ndcg@10");
    metrics.hand_ndcg10_bm25 = get("hand_judged", "bm25", "ndcg@10");
  }
  return { product, rows, metrics, fusion, queryCounts, seconds, papers: papers.length, handJudged };
}

/** A fixed, seeded-by-position sample of TUNE queries (every n-th), so each grid point sees the same ones. */
function sampleTune(queries: readonly Query[], max: number): Query[] {
  const tune = queries.filter((q) => q.split === "tune");
  if (tune.length <= max) return tune;
  const step = tune.length / max;
  return Array.from({ length: max }, (_, i) => tune[Math.floor(i * step)]);
}

export function fmtSetting(s: FusionSetting): string {
  if (s.mode === "learned") return "learned reranker";
  return `${s.mode ?? "default"} ${FUSED.map((r) => `${r}=${s.weights[r] ?? 0}`).join(" ")}`;
}

/**
 * Fits the reranker on every TUNE query outside the grid's sample (so the sample, on which it then
 * competes with the grid settings, stays unseen), all tasks pooled: the product serves titles and whole
 * papers alike.
 */
async function fitOnTune(tasks: readonly Task[], samples: readonly Query[][], hybridOf: (t: Task) => Tunable, depth: number, log: (line: string) => void): Promise<NonNullable<FusionResult["reranker"]>> {
  const t0 = now();
  const examples = [];
  const queries: Record<string, number> = {};
  log("[eval] reranker: gathering candidates and features of the TUNE queries outside the grid's sample");
  for (const [i, t] of tasks.entries()) {
    const held = new Set(samples[i]);
    const train = t.queries.filter((q) => q.split === "tune" && !held.has(q));
    const h = hybridOf(t);
    for (const q of train) {
      const f = h.features!(q.text, await h.candidates!(q.text, depth, q.exclude === undefined ? {} : { exclude: q.exclude }));
      const rel = new Set(q.relevant);
      examples.push({ ...f, relevant: f.docs.map((d) => rel.has(d)) });
      if (examples.length % 500 === 0) log(`[eval] reranker: ${examples.length} queries (${t.name})`);
    }
    queries[t.name] = train.length;
  }
  log(`[eval] fitting the reranker on ${examples.length} TUNE queries (${Object.entries(queries).map(([t, n]) => `${t} ${n}`).join(", ")})`);
  const model = fitReranker(examples);
  return { ...model, queries, seconds: now() - t0 };
}

/**
 * A ranker for the TUNE queries: where the hybrid offers candidates/fuse, the component lists of each query
 * are computed once here and every later search only re-fuses them under the current setting.
 */
async function tuneSearcher(hybrid: Tunable, queries: readonly Query[], depth: number): Promise<Ranker> {
  if (typeof hybrid.candidates !== "function" || typeof hybrid.fuse !== "function") return hybrid;
  const lists = new Map<string, unknown>();
  for (const q of queries) {
    const key = `${q.exclude ?? ""}\u0000${q.text}`;
    if (!lists.has(key)) lists.set(key, await hybrid.candidates(q.text, depth, q.exclude === undefined ? {} : { exclude: q.exclude }));
  }
  return {
    name: "hybrid",
    async search(query, k, o) {
      const l = lists.get(`${o?.exclude ?? ""}\u0000${query}`);
      return l === undefined ? hybrid.search(query, k, o) : hybrid.fuse!(l, k, query);
    },
  };
}

/** The evaluation as a markdown table: one row per task and metric, one column per ranker. */
export function formatTable(ev: Evaluation): string {
  const rankers = ALL_RANKERS.filter((r) => ev.rows.some((x) => x.ranker === r));
  const keys = [...new Set(ev.rows.map((x) => `${x.task}|${x.metric}`))];
  const lines = [`| task | metric | queries | ${rankers.join(" | ")} |`, `|---|---|---:|${rankers.map(() => "---:").join("|")}|`];
  for (const key of keys) {
    const [task, metric] = key.split("|");
    const cells = rankers.map((r) => ev.rows.find((x) => x.task === task && x.metric === metric && x.ranker === r));
    const first = cells.find(Boolean)!;
    const best = Math.max(...cells.map((c) => (c && metric !== "judged@10" ? c.value : -Infinity)));
    const shown = cells.map((c) => (c ? (c.value === best ? `**${c.value.toFixed(4)}**` : c.value.toFixed(4)) : "-"));
    lines.push(`| ${task} | ${metric} | ${first.queries} ${first.split} | ${shown.join(" | ")} |`);
  }
  return lines.join("\n");
}
