import type { Hit } from "./types";

/**
 * The k highest scores, best first, ties to the lower doc; `exclude` and docs with skip[doc] set never
 * appear, nor (with minScore) docs scoring below it. A size-k min-heap: O(n log k), no full sort.
 * `docs` restricts the scan to those indices (e.g. the docs a BM25 query touched).
 */
export function topK(
  scores: ArrayLike<number>,
  k: number,
  opts: { exclude?: number; skip?: Uint8Array; docs?: ArrayLike<number>; count?: number; minScore?: number } = {},
): Hit[] {
  const { exclude = -1, skip, docs, minScore = -Infinity } = opts;
  const n = docs ? (opts.count ?? docs.length) : scores.length;
  const hs = new Float64Array(k);
  const hd = new Int32Array(k);
  let size = 0;
  // Heap order: the root is the worst kept hit (lowest score, then highest doc).
  const worse = (i: number, j: number) => hs[i] < hs[j] || (hs[i] === hs[j] && hd[i] > hd[j]);
  const swap = (i: number, j: number) => {
    const s = hs[i];
    hs[i] = hs[j];
    hs[j] = s;
    const d = hd[i];
    hd[i] = hd[j];
    hd[j] = d;
  };
  for (let t = 0; t < n; t++) {
    const doc = docs ? docs[t] : t;
    const s = scores[doc];
    if (doc === exclude || (skip && skip[doc]) || !(s >= minScore)) continue;
    if (size < k) {
      hs[size] = s;
      hd[size] = doc;
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(i, p)) break;
        swap(i, p);
        i = p;
      }
      continue;
    }
    if (k === 0 || s < hs[0] || (s === hs[0] && doc > hd[0])) continue;
    hs[0] = s;
    hd[0] = doc;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === i) break;
      swap(i, m);
      i = m;
    }
  }
  const hits: Hit[] = [];
  for (let i = 0; i < size; i++) hits.push({ doc: hd[i], score: hs[i] });
  return hits.sort((a, b) => b.score - a.score || a.doc - b.doc);
}

/** Scales each dim-long row of m to unit length in place; all-zero rows stay zero. Returns m. */
export function normalizeRows(m: Float32Array, dim: number): Float32Array {
  for (let o = 0; o < m.length; o += dim) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += m[o + j] * m[o + j];
    if (ss === 0) continue;
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < dim; j++) m[o + j] *= inv;
  }
  return m;
}

/** Scores every row of a rows x dim matrix against a query: an alternative kernel for VectorIndex. */
export type MatVec = (matrix: Float32Array, rows: number, dim: number, query: Float32Array) => Promise<ArrayLike<number>>;

/**
 * Exact cosine search over unit-length rows kept in one contiguous Float32Array (row i at i*dim):
 * a dot product per row, then top-k selection. In JavaScript 13.9k x 512 floats take ~7 ms; `matvec`
 * (ONNX Runtime's, see use-onnx.ts) does the same product natively in ~3 ms.
 * Rows flagged inactive (e.g. empty texts) never match.
 */
export class VectorIndex {
  readonly size: number;
  private readonly scores: Float64Array;

  constructor(
    readonly vectors: Float32Array,
    readonly dim: number,
    readonly inactive?: Uint8Array,
    public matvec?: MatVec,
  ) {
    if (dim < 1 || vectors.length % dim !== 0) throw new Error(`vectors length ${vectors.length} is not a multiple of dim ${dim}`);
    this.size = vectors.length / dim;
    this.scores = new Float64Array(this.size);
  }

  row(doc: number): Float32Array {
    return this.vectors.subarray(doc * this.dim, (doc + 1) * this.dim);
  }

  /** Dot products of query with every row (cosines when both are unit length), in JavaScript. */
  scoreAll(query: ArrayLike<number>): Float64Array {
    const { vectors: v, dim, scores, size } = this;
    if (query.length !== dim) throw new Error(`query has ${query.length} dimensions, the index ${dim}`);
    const q = Float64Array.from(query);
    // Four rows per pass share each query load: the fastest of the loop shapes tried in V8.
    let i = 0;
    for (; i + 4 <= size; i += 4) {
      const o0 = i * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim; j++) {
        const x = q[j];
        s0 += v[o0 + j] * x;
        s1 += v[o1 + j] * x;
        s2 += v[o2 + j] * x;
        s3 += v[o3 + j] * x;
      }
      scores[i] = s0;
      scores[i + 1] = s1;
      scores[i + 2] = s2;
      scores[i + 3] = s3;
    }
    for (; i < size; i++) {
      let s = 0;
      for (let j = 0, o = i * dim; j < dim; j++) s += v[o + j] * q[j];
      scores[i] = s;
    }
    return scores;
  }

  /** The k best rows by the JavaScript kernel. */
  search(query: ArrayLike<number>, k: number, exclude?: number): Hit[] {
    return topK(this.scoreAll(query), k, { exclude, skip: this.inactive });
  }

  /** The k best rows by `matvec` when set (float32 sums: scores equal the JavaScript ones to ~1e-7), else as `search`. */
  async searchAsync(query: Float32Array, k: number, exclude?: number): Promise<Hit[]> {
    if (!this.matvec) return this.search(query, k, exclude);
    if (query.length !== this.dim) throw new Error(`query has ${query.length} dimensions, the index ${this.dim}`);
    return topK(await this.matvec(this.vectors, this.size, this.dim, query), k, { exclude, skip: this.inactive });
  }
}
