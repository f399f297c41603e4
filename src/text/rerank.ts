import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../config";
import { UserError } from "../errors";
import type { Bm25Index } from "./bm25";
import { fnv1a } from "../util/hash";
import { sentenceStarts } from "./judgements";
import { STOP_WORDS, tokenize } from "./tokenize";
import type { Hit, RankerName } from "./types";

/**
 * A learned reranker for the hybrid: a linear score over features of each (query, candidate) pair, the
 * candidates being the union of the component rankers' top lists. Fitted listwise (softmax over a query's
 * candidates, Adam) on TUNE queries; short (title-like) and long (paper-like) queries get separate weights,
 * since coverage of a 6-word title and of a 150-word abstract mean different things. Hand-written: a linear
 * listwise fit over 19 features is a few dozen lines, and no learning-to-rank package is installed. Linear on
 * purpose: a two-layer MLP over the same features scored no better in TUNE cross-validation.
 */

/** The features, in order; every one is computed for every candidate. */
export const RERANK_FEATURES = [
  "bm25 / best bm25", // exact BM25 score of the candidate, over the query's best
  "bm25 1/rank",
  "lsa - best lsa", // cosine below the list's best (a candidate outside the list: the list's last)
  "lsa 1/rank",
  "embed - best embed",
  "embed 1/rank",
  "query-term coverage", // share of the query's distinct terms the candidate contains
  "idf coverage", // the same, each term weighted by idf
  "first-sentence idf coverage",
  "query-bigram coverage",
  "log length",
  "max shared idf / 10",
  "log(1 + shared rare terms)", // terms in at most RARE_DF docs: names of methods, data sets
  "function-word cosine", // stop-word frequencies: a trace of the writer's style
  "log(1 + shared terms)",
  "raw-bigram coverage", // share of the query's word pairs, stop words kept (phrasing: "in this work we")
  "log(1 + shared rare raw bigrams)", // raw word pairs in at most RARE_PHRASE_DF docs
  "log(1 + shared raw trigrams)",
  "length gap", // |log(1 + query tokens) - log(1 + candidate tokens)|
] as const;
const NF = RERANK_FEATURES.length;
const RARE_DF = 5;
const RARE_PHRASE_DF = 3;
/** Candidates taken from each component's list. */
export const RERANK_DEPTH = 30;
/** Queries of at most this many tokens use the short-query weights. */
export const SHORT_QUERY_TOKENS = 30;

const FUNCTION_WORDS = [...STOP_WORDS];
const FUNCTION_INDEX = new Map(FUNCTION_WORDS.map((w, i) => [w, i]));

/** Unit vector of stop-word counts (the tokenizer drops them, so they are counted on the raw text). */
function functionWords(text: string): Float32Array {
  const v = new Float32Array(FUNCTION_WORDS.length);
  for (const m of text.toLowerCase().matchAll(/[a-z]+/g)) {
    const i = FUNCTION_INDEX.get(m[0]);
    if (i !== undefined) v[i]++;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** Hashed word n-grams of the raw text (lower-cased, stop words kept), sorted and unique: 4 bytes each, not a string. */
function rawNgrams(text: string, n: number): Int32Array {
  const w = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  const out = new Set<number>();
  for (let i = n - 1; i < w.length; i++) out.add(fnv1a(w.slice(i - n + 1, i + 1).join(" ")) | 0);
  return Int32Array.from(out).sort();
}

/** The first index of sorted `a` whose value is not below x. */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether sorted `a` holds x. */
function has(a: Int32Array, x: number): boolean {
  const i = lowerBound(a, x);
  return i < a.length && a[i] === x;
}

/** How many of the query's n-grams `q` the doc's sorted n-grams hold. */
function sharedCount(q: Int32Array, doc: Int32Array): number {
  let n = 0;
  for (const g of q) if (has(doc, g)) n++;
  return n;
}

/** How many times x occurs in sorted `a`. */
function count(a: Int32Array, x: number): number {
  const lo = lowerBound(a, x);
  let n = 0;
  while (lo + n < a.length && a[lo + n] === x) n++;
  return n;
}

function bigrams(tokens: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i < tokens.length; i++) out.add(`${tokens[i - 1]} ${tokens[i]}`);
  return out;
}

/** One query's candidates and their features (rows of RERANK_FEATURES.length). */
export interface CandidateFeatures {
  docs: number[];
  x: Float64Array[];
  /** The query's token count, which picks the weights. */
  queryTokens: number;
}

/** Each component's ranked list for one query (as the hybrid gathers them). */
export type RankedLists = readonly { name: RankerName; hits: readonly Hit[] }[];

/** Per-doc data the features need, built once with the engine (a few seconds for 14k docs). */
export class RerankIndex {
  private readonly terms: Set<string>[];
  private readonly firstSentence: Set<string>[];
  private readonly pairs: Set<string>[];
  private readonly length: Int32Array;
  private readonly style: Float32Array[];
  private readonly df = new Map<string, number>();
  private readonly rawPairs: Int32Array[];
  private readonly rawTriples: Int32Array[];
  /** Every doc's raw bigrams, concatenated and sorted: a bigram's document frequency is its count here. */
  private readonly rawPairDocs: Int32Array;

  constructor(
    texts: readonly string[],
    tokens: readonly (readonly string[])[],
    private readonly bm25: Bm25Index,
  ) {
    if (texts.length !== tokens.length || texts.length !== bm25.size) throw new Error(`${texts.length} texts, ${tokens.length} token lists, BM25 over ${bm25.size} docs`);
    this.terms = tokens.map((t) => new Set(t));
    this.firstSentence = texts.map((t) => {
      const s = sentenceStarts(t);
      return new Set(tokenize(s.length ? t.slice(0, s[0]) : t));
    });
    this.pairs = tokens.map(bigrams);
    this.length = Int32Array.from(tokens, (t) => t.length);
    this.style = texts.map(functionWords);
    for (const set of this.terms) for (const w of set) this.df.set(w, (this.df.get(w) ?? 0) + 1);
    this.rawPairs = texts.map((t) => rawNgrams(t, 2));
    this.rawTriples = texts.map((t) => rawNgrams(t, 3));
    this.rawPairDocs = new Int32Array(this.rawPairs.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of this.rawPairs) {
      this.rawPairDocs.set(p, off);
      off += p.length;
    }
    this.rawPairDocs.sort();
  }

  /** Features of the union of each list's top RERANK_DEPTH docs, in first-seen order. */
  features(query: string, lists: RankedLists): CandidateFeatures {
    const qt = tokenize(query);
    const docs = [...new Set(lists.flatMap((l) => l.hits.slice(0, RERANK_DEPTH).map((h) => h.doc)))];
    const bm = this.bm25.scores(qt);
    let bestBm = 0;
    for (const d of docs) bestBm = Math.max(bestBm, bm[d]);
    const list = (name: RankerName) => {
      const hits = lists.find((l) => l.name === name)?.hits.slice(0, RERANK_DEPTH) ?? [];
      const score = new Map(hits.map((h) => [h.doc, h.score]));
      const rank = new Map(hits.map((h, i) => [h.doc, i + 1]));
      const best = hits[0]?.score ?? 0;
      const last = hits.at(-1)?.score ?? 0;
      return (d: number) => [(score.get(d) ?? last) - best, 1 / (rank.get(d) ?? 2 * RERANK_DEPTH)];
    };
    const [bmRank, lsa, embed] = [list("bm25"), list("lsa"), list("embed")];
    const qs = [...new Set(qt)];
    const idf = qs.map((w) => {
      const id = this.bm25.vocab.get(w);
      return id === undefined ? 0 : this.bm25.idf[id];
    });
    const idfSum = idf.reduce((a, b) => a + b, 0) || 1;
    const qPairs = bigrams(qt);
    const qStyle = functionWords(query);
    const qRawPairs = rawNgrams(query, 2);
    const qRareRawPairs = qRawPairs.filter((p) => count(this.rawPairDocs, p) <= RARE_PHRASE_DF);
    const qRawTriples = rawNgrams(query, 3);
    const x = docs.map((d) => {
      let shared = 0;
      let sharedIdf = 0;
      let firstIdf = 0;
      let maxIdf = 0;
      let rare = 0;
      qs.forEach((w, i) => {
        if (this.terms[d].has(w)) {
          shared++;
          sharedIdf += idf[i];
          maxIdf = Math.max(maxIdf, idf[i]);
          if ((this.df.get(w) ?? 0) <= RARE_DF) rare++;
        }
        if (this.firstSentence[d].has(w)) firstIdf += idf[i];
      });
      let pairHits = 0;
      for (const p of qPairs) if (this.pairs[d].has(p)) pairHits++;
      let style = 0;
      for (let j = 0; j < qStyle.length; j++) style += qStyle[j] * this.style[d][j];
      return Float64Array.of(
        bestBm > 0 ? bm[d] / bestBm : 0,
        bmRank(d)[1],
        ...lsa(d),
        ...embed(d),
        shared / Math.max(1, qs.length),
        sharedIdf / idfSum,
        firstIdf / idfSum,
        qPairs.size ? pairHits / qPairs.size : 0,
        Math.log1p(this.length[d]),
        maxIdf / 10,
        Math.log1p(rare),
        style,
        Math.log1p(shared),
        qRawPairs.length ? sharedCount(qRawPairs, this.rawPairs[d]) / qRawPairs.length : 0,
        Math.log1p(sharedCount(qRareRawPairs, this.rawPairs[d])),
        Math.log1p(sharedCount(qRawTriples, this.rawTriples[d])),
        Math.abs(Math.log1p(qt.length) - Math.log1p(this.length[d])),
      );
    });
    return { docs, x, queryTokens: qt.length };
  }
}

/** Fitted weights: one vector for short queries, one for long ones. */
export interface RerankModel {
  features: readonly string[];
  short: number[];
  long: number[];
  shortQueryTokens: number;
  /** Training queries behind each vector (those with a relevant doc among their candidates). */
  trainedOn: { short: number; long: number };
}

/** A training query: its candidates' features and which candidates are relevant. */
export interface RerankExample extends CandidateFeatures {
  relevant: boolean[];
}

export interface RerankFitOptions {
  iterations?: number;
  learningRate?: number;
  l2?: number;
}

/** Listwise fit: softmax over each query's candidates against the uniform distribution over its relevant ones. */
function fitWeights(examples: readonly RerankExample[], o: Required<RerankFitOptions>): number[] {
  const w = new Float64Array(NF);
  const m = new Float64Array(NF);
  const v = new Float64Array(NF);
  if (!examples.length) return Array.from(w);
  for (let it = 1; it <= o.iterations; it++) {
    const g = new Float64Array(NF);
    for (const e of examples) {
      const s = e.x.map((f) => f.reduce((a, x, j) => a + x * w[j], 0));
      const top = Math.max(...s);
      const p = s.map((z) => Math.exp(z - top));
      const z = p.reduce((a, b) => a + b, 0);
      const nRel = e.relevant.filter(Boolean).length;
      e.x.forEach((f, i) => {
        const c = p[i] / z - (e.relevant[i] ? 1 / nRel : 0);
        for (let j = 0; j < NF; j++) g[j] += c * f[j];
      });
    }
    for (let j = 0; j < NF; j++) {
      const gj = g[j] / examples.length + o.l2 * w[j];
      m[j] = 0.9 * m[j] + 0.1 * gj;
      v[j] = 0.999 * v[j] + 0.001 * gj * gj;
      w[j] -= (o.learningRate * (m[j] / (1 - 0.9 ** it))) / (Math.sqrt(v[j] / (1 - 0.999 ** it)) + 1e-8);
    }
  }
  return Array.from(w);
}

/**
 * Fits the reranker on labelled queries (deterministic: full-batch, zero start). Queries with no
 * relevant doc among their candidates carry no signal and are left out.
 */
export function fitReranker(examples: readonly RerankExample[], opts: RerankFitOptions = {}): RerankModel {
  const o = { iterations: 300, learningRate: 0.1, l2: 1e-3, ...opts };
  for (const e of examples) {
    if (e.relevant.length !== e.docs.length || e.x.length !== e.docs.length) throw new UserError(`a training query has ${e.docs.length} candidates, ${e.x.length} feature rows and ${e.relevant.length} labels`);
    if (e.x.some((f) => f.length !== NF || f.some((v) => !Number.isFinite(v)))) throw new UserError(`a training query has a feature row that is not ${NF} finite numbers`);
  }
  const useful = examples.filter((e) => e.relevant.some(Boolean));
  const short = useful.filter((e) => e.queryTokens <= SHORT_QUERY_TOKENS);
  const long = useful.filter((e) => e.queryTokens > SHORT_QUERY_TOKENS);
  return { features: [...RERANK_FEATURES], short: fitWeights(short, o), long: fitWeights(long, o), shortQueryTokens: SHORT_QUERY_TOKENS, trainedOn: { short: short.length, long: long.length } };
}

/** The candidates ordered by the model's score, best first, ties to the lower doc. */
export function rerank(model: RerankModel, c: CandidateFeatures): Hit[] {
  const w = c.queryTokens <= model.shortQueryTokens ? model.short : model.long;
  return c.docs
    .map((doc, i) => ({ doc, score: c.x[i].reduce((a, x, j) => a + x * w[j], 0) }))
    .sort((a, b) => b.score - a.score || a.doc - b.doc);
}

/** Where the full notebook run keeps its fitted reranker, for the CLI. */
export function rerankModelPath(): string {
  return path.join(projectRoot(), "data", "neurips", "reranker.json");
}

export function saveRerankModel(file: string, model: RerankModel, provenance: Record<string, unknown> = {}): void {
  const { features, short, long, shortQueryTokens, trainedOn } = model;
  fs.writeFileSync(file, `${JSON.stringify({ ...provenance, features, short, long, shortQueryTokens, trainedOn }, null, 1)}\n`);
}

/** Reads a saved reranker; a file from other features (an older version) is rejected, naming the difference. */
export function loadRerankModel(file: string): RerankModel {
  let j: Partial<RerankModel>;
  try {
    j = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`cannot read the reranker ${file}: ${(e as Error).message}`);
  }
  const same = Array.isArray(j.features) && j.features.length === NF && j.features.every((f, i) => f === RERANK_FEATURES[i]);
  if (!same) throw new UserError(`the reranker ${file} was fitted on other features (${JSON.stringify(j.features)}); refit it (npm start -- --only 10)`);
  for (const k of ["short", "long"] as const) {
    const w = j[k];
    if (!Array.isArray(w) || w.length !== NF || !w.every(Number.isFinite)) throw new UserError(`the reranker ${file}: "${k}" must be ${NF} finite numbers`);
  }
  if (!(Number.isInteger(j.shortQueryTokens) && j.shortQueryTokens! > 0)) throw new UserError(`the reranker ${file}: "shortQueryTokens" must be a positive integer`);
  return { features: j.features!, short: j.short!, long: j.long!, shortQueryTokens: j.shortQueryTokens!, trainedOn: j.trainedOn ?? { short: 0, long: 0 } };
}
