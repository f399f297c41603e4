import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../config";
import { UserError } from "../errors";
import { permutation } from "../util/random";
import { fnv1a } from "../util/hash";
import { authorKey, paperText, papersById, type NeuripsPaper } from "./papers";

/**
 * Pseudo-relevance judgements: relevance that follows from the data itself, with no human labels.
 * None of them is "similar paper" relevance; each is a proxy with a known bias, stated where it is built.
 * Queries are split deterministically into TUNE (about 20%, by a hash of the paper id) and TEST, so the
 * hybrid's fusion weights are chosen on TUNE and every reported figure comes from TEST.
 */
export type Split = "tune" | "test";
export type TaskName = "title_to_abstract" | "half_to_half" | "author_links";
export type MetricName = "recall@1" | "recall@10" | "mrr" | "ndcg@10" | "p@10";

export interface Query {
  /** Index of the paper the query comes from. */
  paper: number;
  text: string;
  /** Relevant doc ids (indices into the task's `docs`), binary. */
  relevant: number[];
  /** Doc to leave out of the results (the query's own paper), if it is in the index. */
  exclude?: number;
  split: Split;
}

export interface Task {
  name: TaskName;
  /** One line: what the task asks. */
  description: string;
  /** The texts the engine is built on; `docPaper[i]` is the paper doc i comes from. */
  docs: string[];
  docPaper: number[];
  /**
   * Where the reranker's TUNE candidates come from, when that must differ from `docs`: `docs` first (so the
   * relevant ids hold), then distractors the product index holds and `docs` lacks.
   */
  fitDocs?: string[];
  queries: Query[];
  metrics: MetricName[];
  /** The metric the fusion weights are tuned on. */
  primary: MetricName;
}

export const TUNE_SHARE = 0.2;

/** TUNE for about 20% of paper ids, TEST for the rest; the same id always lands in the same split. */
export function splitOf(id: string): Split {
  return fnv1a(id) % 1000 < TUNE_SHARE * 1000 ? "tune" : "test";
}

/** Abbreviations after which ". X" is not a sentence end. */
const ABBREVIATIONS = new Set(["e.g", "i.e", "cf", "vs", "fig", "figs", "eq", "eqs", "sec", "resp", "approx", "dr", "mr", "ms", "prof", "no", "al", "etc"]);

/**
 * Where sentences end: after ".", "?" or "!" (optionally closing a bracket or quote), followed by
 * whitespace and an upper-case letter, digit or opening bracket; not after common abbreviations
 * ("e.g.", "Fig.", "et al.") or a single initial ("J. Smith"). Returns the offsets where the next
 * sentence starts.
 */
export function sentenceStarts(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/([.?!])["')\]]?\s+(?=[\p{Lu}\p{N}(\[$])/gu)) {
    const end = m.index!;
    const before = text.slice(Math.max(0, end - 12), end + 1);
    const word = /([\p{L}.]+)\.$/u.exec(before)?.[1];
    if (m[1] === "." && word !== undefined && (ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word))) continue;
    out.push(end + m[0].length);
  }
  return out;
}

/** The abstract cut at the sentence boundary nearest its middle; undefined for a single sentence. */
export function splitAtMiddle(text: string): [string, string] | undefined {
  const starts = sentenceStarts(text);
  if (starts.length === 0) return undefined;
  const mid = text.length / 2;
  let best = starts[0];
  for (const s of starts) if (Math.abs(s - mid) < Math.abs(best - mid)) best = s;
  const a = text.slice(0, best).trim();
  const b = text.slice(best).trim();
  return a && b ? [a, b] : undefined;
}

/**
 * (1) Title -> its own abstract. Index: the abstracts alone (no titles) of papers that have one; query:
 * a title; relevant: that paper's abstract only. Reported as Recall@1 and MRR.
 * Measures: whether a short, dense description finds the one text it summarises (a known-item search
 * with a vocabulary gap: titles coin names that abstracts spell out). Does NOT measure similarity between
 * different papers, and rewards exact word overlap, so it flatters lexical rankers.
 */
export function titleToAbstract(papers: readonly NeuripsPaper[]): Task {
  const withAbstract = papers.filter((p) => p.hasAbstract);
  const docs = withAbstract.map((p) => p.abstract);
  return {
    name: "title_to_abstract",
    description: "query = title, index = abstracts only, relevant = the paper's own abstract",
    docs,
    docPaper: withAbstract.map((p) => p.index),
    // The short-query weights are fitted on this task but serve the product index, where a quarter of the
    // papers are a title alone: without them among the candidates the fit never sees such short texts
    // (it learned to favour short abstracts, which lifted title-only papers for every short query).
    fitDocs: [...docs, ...papers.filter((p) => !p.hasAbstract).map(paperText)],
    queries: withAbstract.map((p, d) => ({ paper: p.index, text: p.title, relevant: [d], split: splitOf(p.id) })),
    metrics: ["recall@1", "recall@10", "mrr"],
    primary: "mrr",
  };
}

/**
 * (2) First half of an abstract -> its second half. Each abstract with at least two sentences is cut at the
 * sentence boundary nearest its middle; index: all second halves; query: a first half; relevant: its own
 * second half. Reported as Recall@1 and MRR.
 * Measures: topical coherence at the scale of a paragraph, with little verbatim overlap beyond the paper's
 * own jargon: the closest label-free stand-in for "abstract in, same-topic abstract out". Does NOT measure
 * whether the other hits are good: only one document counts, a near-duplicate paper ranked first is a miss.
 */
export function halfToHalf(papers: readonly NeuripsPaper[]): Task {
  const docs: string[] = [];
  const docPaper: number[] = [];
  const queries: Query[] = [];
  for (const p of papers) {
    if (!p.hasAbstract) continue;
    const halves = splitAtMiddle(p.abstract);
    if (!halves) continue;
    queries.push({ paper: p.index, text: halves[0], relevant: [docs.length], split: splitOf(p.id) });
    docs.push(halves[1]);
    docPaper.push(p.index);
  }
  return {
    name: "half_to_half",
    description: "query = first half of an abstract, index = second halves, relevant = its own second half",
    docs,
    docPaper,
    queries,
    metrics: ["recall@1", "recall@10", "mrr"],
    primary: "mrr",
  };
}

/**
 * (3) Author links. Index: the product index (every paper's `paperText`, title-only papers included, as a
 * user would search it); query: the text of a paper that has an abstract; relevant: every other paper
 * sharing at least one author (names matched by `authorKey`); the query's own row is excluded from the
 * results. Only queries with at least one such paper count. Reported as nDCG@10 and P@10.
 * Measures: whether a ranker surfaces the same people's other work, a real signal of topical closeness.
 * Does NOT measure topical similarity directly: co-authored papers can be on unrelated topics, most truly
 * similar papers share no author (so absolute scores are low and P@10 is capped), and common names
 * merge different people.
 */
export function authorLinks(papers: readonly NeuripsPaper[], productDocs: string[] = productTexts(papers)): Task {
  const byAuthor = new Map<string, number[]>();
  for (const p of papers) {
    for (const k of new Set(p.authors.map(authorKey))) {
      if (!k) continue;
      const list = byAuthor.get(k);
      if (list) list.push(p.index);
      else byAuthor.set(k, [p.index]);
    }
  }
  const queries: Query[] = [];
  for (const p of papers) {
    if (!p.hasAbstract) continue;
    const rel = new Set<number>();
    for (const k of new Set(p.authors.map(authorKey))) for (const d of byAuthor.get(k) ?? []) if (d !== p.index) rel.add(d);
    if (rel.size === 0) continue;
    queries.push({ paper: p.index, text: productDocs[p.index], relevant: [...rel].sort((a, b) => a - b), exclude: p.index, split: splitOf(p.id) });
  }
  return {
    name: "author_links",
    description: "query = a paper's text, index = all papers, relevant = other papers sharing an author",
    docs: productDocs,
    docPaper: papers.map((p) => p.index),
    queries,
    metrics: ["ndcg@10", "p@10"],
    primary: "ndcg@10",
  };
}

/** The product index's texts: doc i is paper i (papers must be indexed 0..n-1 in order). */
export function productTexts(papers: readonly NeuripsPaper[]): string[] {
  papers.forEach((p, i) => {
    if (p.index !== i) throw new Error(`paper ${p.id} has index ${p.index} at position ${i}: pass the papers as loaded`);
  });
  return papers.map(paperText);
}

export interface QueryLimit {
  /** At most this many queries of each split per task (a seeded sample); default all. */
  perSplit?: number;
  seed?: number;
}

/** A seeded sample of at most `perSplit` queries from each split, in their original order (quick mode). */
export function sampleQueries(queries: readonly Query[], limit: QueryLimit = {}): Query[] {
  const { perSplit, seed = 1 } = limit;
  if (perSplit === undefined) return [...queries];
  const keep = new Set<Query>();
  for (const split of ["tune", "test"] as const) {
    const pool = queries.filter((q) => q.split === split);
    const order = permutation(pool.length, seed + (split === "tune" ? 0 : 1));
    for (let i = 0; i < Math.min(perSplit, pool.length); i++) keep.add(pool[order[i]]);
  }
  return queries.filter((q) => keep.has(q));
}

/** All three tasks; the author task shares `productDocs` (same array) so an evaluator can reuse that index. */
export function buildTasks(papers: readonly NeuripsPaper[], limit: QueryLimit = {}, productDocs: string[] = productTexts(papers)): Task[] {
  return [titleToAbstract(papers), halfToHalf(papers), authorLinks(papers, productDocs)].map((t) => ({ ...t, queries: sampleQueries(t.queries, limit) }));
}

/**
 * The hand-judged set (data/neurips/hand-judged.json): queries that are either a paper (its text is the
 * query, itself excluded) or free text, each with graded judgements of the pooled top-10 of all rankers,
 * keyed by paper id: 2 relevant, 1 partly relevant, 0 not relevant. Unjudged results count as not relevant.
 */
export interface HandJudged {
  judge: string;
  method: string;
  scale: Record<string, string>;
  queries: HandJudgedQuery[];
}

export interface HandJudgedQuery {
  qid: string;
  /** A paper id whose text is the query, or... */
  paper?: string;
  /** ...free text. Exactly one of the two. */
  text?: string;
  judgements: Record<string, 0 | 1 | 2>;
  note?: string;
}

/** A hand-judged query resolved against the loaded papers: doc ids are product-index positions. */
export interface ResolvedHandQuery {
  qid: string;
  text: string;
  exclude?: number;
  /** Graded gains (> 0 only) by doc id. */
  grades: Map<number, number>;
  /** Every judged doc id, 0 grades included (for the judged fraction). */
  judged: Set<number>;
}

/** Validates the file's shape; errors name the query. */
export function parseHandJudged(json: unknown, source = "hand-judged.json"): HandJudged {
  const o = json as HandJudged;
  if (!o || typeof o !== "object" || !Array.isArray(o.queries)) throw new UserError(`${source}: expected an object with a "queries" array`);
  if (typeof o.judge !== "string" || !o.judge || typeof o.method !== "string" || !o.method) throw new UserError(`${source}: "judge" and "method" must say who judged and how`);
  const qids = new Set<string>();
  for (const q of o.queries) {
    const where = `${source}: query ${q?.qid ?? "?"}`;
    if (typeof q.qid !== "string" || qids.has(q.qid)) throw new UserError(`${where}: missing or repeated qid`);
    qids.add(q.qid);
    if ((q.paper === undefined) === (q.text === undefined)) throw new UserError(`${where}: needs exactly one of "paper" and "text"`);
    if (q.text !== undefined && !q.text.trim()) throw new UserError(`${where}: empty text`);
    if (!q.judgements || typeof q.judgements !== "object") throw new UserError(`${where}: missing judgements`);
    for (const [id, g] of Object.entries(q.judgements)) {
      if (g !== 0 && g !== 1 && g !== 2) throw new UserError(`${where}: grade of ${id} must be 0, 1 or 2, got ${JSON.stringify(g)}`);
    }
  }
  return o;
}

export function loadHandJudged(file: string): HandJudged {
  if (!fs.existsSync(file)) throw new UserError(`${file} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseHandJudged(json, path.basename(file));
}

/** Default location of the hand-judged set in the repository. */
export function handJudgedPath(): string {
  return path.join(projectRoot(), "data", "neurips", "hand-judged.json");
}

/**
 * Resolves ids to product-index positions. An id that names two rows (6263) grades both; a query paper or
 * judged id that is not among `papers` is an error (a stale file or a sliced corpus).
 */
export function handJudgedQueries(set: HandJudged, papers: readonly NeuripsPaper[]): ResolvedHandQuery[] {
  const byId = papersById(papers);
  const rows = (id: string, qid: string): NeuripsPaper[] => {
    const r = byId.get(id);
    if (!r) throw new UserError(`hand-judged query ${qid}: paper id ${id} is not in the corpus`);
    return r;
  };
  return set.queries.map((q) => {
    const grades = new Map<number, number>();
    const judged = new Set<number>();
    for (const [id, g] of Object.entries(q.judgements)) {
      for (const p of rows(id, q.qid)) {
        judged.add(p.index);
        if (g > 0) grades.set(p.index, g);
      }
    }
    if (q.paper !== undefined) {
      const own = rows(q.paper, q.qid);
      if (own.length !== 1) throw new UserError(`hand-judged query ${q.qid}: paper id ${q.paper} is not unique`);
      return { qid: q.qid, text: paperText(own[0]), exclude: own[0].index, grades, judged };
    }
    return { qid: q.qid, text: q.text!, grades, judged };
  });
}
