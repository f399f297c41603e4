import { UserError } from "../errors";
import { rerank, type CandidateFeatures, type RerankIndex, type RerankModel } from "./rerank";
import type { Hit, Ranker, RankerName, SearchOptions } from "./types";

/** "learned": a reranker fitted on labelled queries (rerank.ts) orders the lists' top candidates. */
export type FusionMode = "rrf" | "weighted" | "learned";
export type FusionWeights = Partial<Record<RankerName, number>>;

export interface FusionOptions {
  /** "rrf" (default): reciprocal-rank fusion; "weighted": weighted sum of min-max-scaled scores; "learned": see FusionMode. */
  mode?: FusionMode;
  /** Per-ranker weights; a missing ranker weighs 1, a zero weight drops it. */
  weights?: FusionWeights;
  /** RRF's rank offset k in 1 / (k + rank); default 60 (Cormack et al. 2009). */
  rrfK?: number;
  /** Candidates taken from each ranker; default 100 (at least the k asked for). */
  depth?: number;
}

/** Each component ranker's candidate list for one query. */
export type CandidateLists = { name: RankerName; hits: Hit[] }[];

/** Sorts a doc -> score map into the k best hits, ties to the lower doc. */
function best(scores: Map<number, number>, k: number): Hit[] {
  return [...scores]
    .map(([doc, score]) => ({ doc, score }))
    .sort((a, b) => b.score - a.score || a.doc - b.doc)
    .slice(0, k);
}

/** Reciprocal-rank fusion: score(d) = sum over lists of w / (rrfK + rank of d), rank 1-based. */
export function rrfFuse(lists: CandidateLists, k: number, weights: FusionWeights = {}, rrfK = 60): Hit[] {
  const scores = new Map<number, number>();
  for (const { name, hits } of lists) {
    const w = weights[name] ?? 1;
    if (w === 0) continue;
    hits.forEach((h, r) => scores.set(h.doc, (scores.get(h.doc) ?? 0) + w / (rrfK + r + 1)));
  }
  return best(scores, k);
}

/**
 * Weighted score fusion: each list's scores min-max scaled to [0, 1] (BM25 is unbounded, cosines are
 * not comparable across models either), a doc absent from a list scoring 0 there, then summed with weights.
 */
export function weightedFuse(lists: CandidateLists, k: number, weights: FusionWeights = {}): Hit[] {
  const scores = new Map<number, number>();
  for (const { name, hits } of lists) {
    const w = weights[name] ?? 1;
    if (w === 0 || !hits.length) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of hits) {
      lo = Math.min(lo, h.score);
      hi = Math.max(hi, h.score);
    }
    for (const h of hits) {
      const scaled = hi > lo ? (h.score - lo) / (hi - lo) : 1;
      scores.set(h.doc, (scores.get(h.doc) ?? 0) + w * scaled);
    }
  }
  return best(scores, k);
}

/**
 * Fuses the candidate lists of other rankers (BM25, LSA, embeddings). Default: RRF with equal weights,
 * which needs no tuning. `setWeights` switches weights and mode, e.g. to weights tuned on a held-out split;
 * for tuning, `candidates` once per query then `fuse` per weight setting avoids re-running the rankers.
 * Given a RerankIndex, it can also rerank: `features` for labelled queries, a model fitted on them
 * (`fitReranker`) set with `setReranker`, then mode "learned".
 */
export class HybridRanker implements Ranker {
  readonly name = "hybrid" as const;
  private opts: Required<FusionOptions>;
  private model?: RerankModel;

  constructor(
    readonly parts: readonly Ranker[],
    opts: FusionOptions = {},
    readonly rerankIndex?: RerankIndex,
  ) {
    if (!parts.length) throw new Error("a hybrid ranker needs at least one component ranker");
    this.opts = { mode: "rrf", weights: {}, rrfK: 60, depth: 100, ...opts };
  }

  get options(): Readonly<Required<FusionOptions>> {
    return this.opts;
  }

  setWeights(weights: FusionWeights, mode: FusionMode = this.opts.mode): void {
    for (const [name, w] of Object.entries(weights)) {
      if (!(typeof w === "number" && w >= 0 && Number.isFinite(w))) throw new Error(`fusion weight of ${name} must be a finite number >= 0, not ${w}`);
    }
    if (mode === "learned" && !this.model) throw new Error("fusion mode \"learned\" needs a fitted reranker: setReranker first");
    this.opts = { ...this.opts, weights: { ...weights }, mode };
  }

  /** The reranker mode "learned" uses. */
  setReranker(model: RerankModel): void {
    if (!this.rerankIndex) throw new Error("this hybrid was built without a rerank index");
    this.model = model;
  }

  get reranker(): RerankModel | undefined {
    return this.model;
  }

  /** The reranker's candidates and features for a query's lists (to fit a model on labelled queries). */
  features(query: string, lists: CandidateLists): CandidateFeatures {
    if (!this.rerankIndex) throw new Error("this hybrid was built without a rerank index");
    return this.rerankIndex.features(query, lists);
  }

  /** Every component's top `depth` (or k, if larger) for the query. */
  async candidates(query: string, k = this.opts.depth, opts: SearchOptions = {}): Promise<CandidateLists> {
    const depth = Math.max(k, this.opts.depth);
    return Promise.all(this.parts.map(async (r) => ({ name: r.name, hits: await r.search(query, depth, opts) })));
  }

  /** The query is needed by mode "learned" only. */
  fuse(lists: CandidateLists, k: number, query?: string): Hit[] {
    const { mode, weights, rrfK } = this.opts;
    if (mode === "rrf") return rrfFuse(lists, k, weights, rrfK);
    if (mode === "weighted") return weightedFuse(lists, k, weights);
    if (query === undefined) throw new Error("fusion mode \"learned\" needs the query");
    // The reranked top candidates, then the rest of the lists in reciprocal-rank order.
    const top = rerank(this.model!, this.features(query, lists));
    if (top.length >= k) return top.slice(0, k);
    const seen = new Set(top.map((h) => h.doc));
    const last = top.at(-1)?.score ?? 0;
    const rest = rrfFuse(lists, Infinity, {}, rrfK).filter((h) => !seen.has(h.doc));
    return [...top, ...rest.map((h, i) => ({ doc: h.doc, score: last - 1 - i }))].slice(0, k);
  }

  /** The components check the query (an empty one throws "empty query: ..."). */
  async search(query: string, k: number, opts: SearchOptions = {}): Promise<Hit[]> {
    if (!Number.isInteger(k) || k < 1) throw new UserError(`k must be a positive integer, not ${k}`);
    return this.fuse(await this.candidates(query, k, opts), k, query);
  }
}
