import { topK } from "./cosine";
import type { Hit } from "./types";

export interface Bm25Options {
  /** Term-frequency saturation; default 1.2. */
  k1?: number;
  /** Length normalisation, 0 (none) to 1 (full); default 0.75. */
  b?: number;
}

/**
 * Okapi BM25 over pre-tokenised documents, Lucene's variant:
 *   score(q, d) = sum over query terms t of idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))
 *   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))   (always positive, unlike Robertson's original)
 * N counts every document, empty ones too. A term repeated in the query counts once per occurrence.
 * The inverted index is CSR in typed arrays: term t's postings are [start[t], start[t+1]), doc ids
 * ascending, each with its precomputed tf part, so a query costs one pass over its terms' postings.
 */
export class Bm25Index {
  readonly vocab = new Map<string, number>();
  readonly idf: Float64Array;
  readonly avgdl: number;
  readonly size: number;
  private readonly start: Int32Array;
  private readonly postDoc: Int32Array;
  private readonly postWeight: Float64Array;
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;

  constructor(docs: readonly (readonly string[])[], opts: Bm25Options = {}) {
    const { k1 = 1.2, b = 0.75 } = opts;
    const n = (this.size = docs.length);
    // Pass 1: term ids and each doc's term counts.
    const perDoc: Map<number, number>[] = [];
    let totalLen = 0;
    for (const tokens of docs) {
      const tf = new Map<number, number>();
      for (const t of tokens) {
        let id = this.vocab.get(t);
        if (id === undefined) this.vocab.set(t, (id = this.vocab.size));
        tf.set(id, (tf.get(id) ?? 0) + 1);
      }
      perDoc.push(tf);
      totalLen += tokens.length;
    }
    this.avgdl = n && totalLen ? totalLen / n : 1;
    const v = this.vocab.size;
    const df = new Int32Array(v);
    for (const tf of perDoc) for (const id of tf.keys()) df[id]++;
    this.start = new Int32Array(v + 1);
    for (let t = 0; t < v; t++) this.start[t + 1] = this.start[t] + df[t];
    this.idf = new Float64Array(v);
    for (let t = 0; t < v; t++) this.idf[t] = Math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5));
    // Pass 2: fill postings in doc order.
    const nnz = this.start[v];
    this.postDoc = new Int32Array(nnz);
    this.postWeight = new Float64Array(nnz);
    const fill = this.start.slice(0, v);
    perDoc.forEach((tf, d) => {
      const norm = k1 * (1 - b + (b * docs[d].length) / this.avgdl);
      for (const [id, f] of tf) {
        const p = fill[id]++;
        this.postDoc[p] = d;
        this.postWeight[p] = (f * (k1 + 1)) / (f + norm);
      }
    });
    this.acc = new Float64Array(n);
    this.touched = new Int32Array(n);
  }

  /** Scores of every doc for the query tokens (0 for docs sharing no term), as a fresh array. */
  scores(query: readonly string[]): Float64Array {
    const count = this.accumulate(query);
    const out = this.acc.slice();
    this.clear(count);
    return out;
  }

  /** The k best docs sharing at least one term with the query; fewer when fewer match. */
  search(query: readonly string[], k: number, exclude?: number): Hit[] {
    const count = this.accumulate(query);
    const hits = topK(this.acc, k, { exclude, docs: this.touched, count });
    this.clear(count);
    return hits;
  }

  /** Adds each query term's postings into acc; returns how many docs it touched (listed in touched). */
  private accumulate(query: readonly string[]): number {
    const qtf = new Map<number, number>();
    for (const t of query) {
      const id = this.vocab.get(t);
      if (id !== undefined) qtf.set(id, (qtf.get(id) ?? 0) + 1);
    }
    const { acc, touched, postDoc, postWeight } = this;
    let count = 0;
    for (const [id, f] of qtf) {
      const w = f * this.idf[id];
      for (let p = this.start[id], end = this.start[id + 1]; p < end; p++) {
        const d = postDoc[p];
        if (acc[d] === 0) touched[count++] = d;
        acc[d] += w * postWeight[p];
      }
    }
    return count;
  }

  private clear(count: number): void {
    for (let i = 0; i < count; i++) this.acc[this.touched[i]] = 0;
  }
}
