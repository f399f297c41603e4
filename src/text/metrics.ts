/**
 * Ranking metrics for one query. `ranked` is the result list best first (doc ids); relevance is either
 * a set/array of relevant ids (binary) or a map id -> graded gain (0 = not relevant). Means over queries
 * are the caller's (`mean`). Every function is pure and treats ids missing from the judgements as not relevant.
 */
export type Relevance = ReadonlySet<number> | readonly number[] | ReadonlyMap<number, number>;

/** Gain of each relevant id: 1 for sets and arrays, the map's value (> 0) for maps. */
function gains(rel: Relevance): Map<number, number> {
  if (rel instanceof Map) return new Map([...rel].filter(([, g]) => g > 0));
  return new Map([...(rel as Iterable<number>)].map((d) => [d, 1]));
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/** Relevant items in the top k over all relevant items; NaN when nothing is relevant (the query has no answer). */
export function recallAtK(ranked: readonly number[], rel: Relevance, k: number): number {
  checkK(k);
  const g = gains(rel);
  if (g.size === 0) return NaN;
  return ranked.slice(0, k).filter((d) => g.has(d)).length / g.size;
}

/** Relevant items in the top k over k (a short list is not padded: missing ranks count as misses). */
export function precisionAtK(ranked: readonly number[], rel: Relevance, k: number): number {
  checkK(k);
  const g = gains(rel);
  return ranked.slice(0, k).filter((d) => g.has(d)).length / k;
}

/** 1 / rank of the first relevant item, 0 when none is in the list (so a mean is MRR@list length). */
export function reciprocalRank(ranked: readonly number[], rel: Relevance): number {
  const g = gains(rel);
  const i = ranked.findIndex((d) => g.has(d));
  return i < 0 ? 0 : 1 / (i + 1);
}

/**
 * nDCG@k with linear gains and a log2 discount: DCG = sum over ranks r = 1..k of gain / log2(r + 1).
 * The ideal DCG puts the largest gains first, as many as there are relevant items, capped at k; with
 * binary relevance that is sum over r = 1..min(k, |relevant|) of 1 / log2(r + 1). NaN when nothing is relevant.
 */
export function ndcgAtK(ranked: readonly number[], rel: Relevance, k: number): number {
  checkK(k);
  const g = gains(rel);
  if (g.size === 0) return NaN;
  let dcg = 0;
  ranked.slice(0, k).forEach((d, r) => (dcg += (g.get(d) ?? 0) / Math.log2(r + 2)));
  const ideal = [...g.values()].sort((a, b) => b - a).slice(0, k);
  let idcg = 0;
  ideal.forEach((x, r) => (idcg += x / Math.log2(r + 2)));
  return dcg / idcg;
}

/** Mean of the finite values (NaN entries, queries without an answer, are skipped); NaN for none. */
export function mean(xs: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const x of xs) {
    if (Number.isNaN(x)) continue;
    s += x;
    n++;
  }
  return n ? s / n : NaN;
}
