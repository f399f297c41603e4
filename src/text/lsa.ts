import { rng } from "../util/random";
import { normalizeRows } from "./cosine";

/** A sparse matrix in compressed sparse rows: row i's entries are [start[i], start[i+1]). */
export interface Csr {
  rows: number;
  cols: number;
  start: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

export interface SvdOptions {
  /** Extra sketch columns beyond k (Halko et al. suggest 5-10); default 10. */
  oversample?: number;
  /** Subspace iterations, sharpening a slowly decaying spectrum such as text's; default 2. */
  powerIterations?: number;
  seed?: number;
}

export interface LsaOptions extends SvdOptions {
  /** Dimensions of the latent space; default 256 (capped by the corpus size). */
  components?: number;
  /** Terms in fewer docs are dropped: they cannot link two documents; default 2. */
  minDf?: number;
}

/**
 * out (a.rows x l, row-major) = a * d, where d is a.cols x l. Four nonzeros per pass over the output row:
 * a quarter of the memory traffic, several times faster in V8 than one at a time.
 */
export function csrTimes(a: Csr, d: Float64Array, l: number): Float64Array {
  const out = new Float64Array(a.rows * l);
  const { start, col, val } = a;
  for (let i = 0; i < a.rows; i++) {
    const o = i * l;
    let p = start[i];
    const end = start[i + 1];
    for (; p + 4 <= end; p += 4) {
      const x0 = val[p], x1 = val[p + 1], x2 = val[p + 2], x3 = val[p + 3];
      const r0 = col[p] * l, r1 = col[p + 1] * l, r2 = col[p + 2] * l, r3 = col[p + 3] * l;
      for (let c = 0; c < l; c++) out[o + c] += x0 * d[r0 + c] + x1 * d[r1 + c] + x2 * d[r2 + c] + x3 * d[r3 + c];
    }
    for (; p < end; p++) {
      const x = val[p];
      const r = col[p] * l;
      for (let c = 0; c < l; c++) out[o + c] += x * d[r + c];
    }
  }
  return out;
}

/** The transpose, still in compressed sparse rows (so a^T * d is a gather too). */
export function transposeCsr(a: Csr): Csr {
  const start = new Int32Array(a.cols + 1);
  for (let p = 0; p < a.start[a.rows]; p++) start[a.col[p] + 1]++;
  for (let j = 0; j < a.cols; j++) start[j + 1] += start[j];
  const fill = start.slice(0, a.cols);
  const col = new Int32Array(a.start[a.rows]);
  const val = new Float64Array(col.length);
  for (let i = 0; i < a.rows; i++) {
    for (let p = a.start[i]; p < a.start[i + 1]; p++) {
      const q = fill[a.col[p]]++;
      col[q] = i;
      val[q] = a.val[p];
    }
  }
  return { rows: a.cols, cols: a.rows, start, col, val };
}

/** c (m x n) = a (m x kd, row stride lda) * b (kd x n, row stride ldb), four rows of b per pass. */
export function gemm(a: Float64Array, lda: number, b: Float64Array, ldb: number, m: number, kd: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ao = i * lda;
    const co = i * n;
    let p = 0;
    for (; p + 4 <= kd; p += 4) {
      const x0 = a[ao + p], x1 = a[ao + p + 1], x2 = a[ao + p + 2], x3 = a[ao + p + 3];
      const b0 = p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      for (let j = 0; j < n; j++) c[co + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
    }
    for (; p < kd; p++) {
      const x = a[ao + p];
      const bo = p * ldb;
      for (let j = 0; j < n; j++) c[co + j] += x * b[bo + j];
    }
  }
  return c;
}

/** m^T m (l x l, full) of a row-major rows x l matrix, four rows per pass. */
export function gramColumns(m: Float64Array, rows: number, l: number): Float64Array {
  const g = new Float64Array(l * l);
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const o0 = i * l, o1 = o0 + l, o2 = o1 + l, o3 = o2 + l;
    for (let p = 0; p < l; p++) {
      const x0 = m[o0 + p], x1 = m[o1 + p], x2 = m[o2 + p], x3 = m[o3 + p];
      const go = p * l;
      for (let c = p; c < l; c++) g[go + c] += x0 * m[o0 + c] + x1 * m[o1 + c] + x2 * m[o2 + c] + x3 * m[o3 + c];
    }
  }
  for (; i < rows; i++) {
    const o = i * l;
    for (let p = 0; p < l; p++) {
      const x = m[o + p];
      for (let c = p; c < l; c++) g[p * l + c] += x * m[o + c];
    }
  }
  for (let p = 0; p < l; p++) for (let c = 0; c < p; c++) g[p * l + c] = g[c * l + p];
  return g;
}

/**
 * One Cholesky-QR pass: G = M^T M = R^T R, M <- M R^-1. Two passes (CholQR2) give columns orthonormal to
 * rounding for condition numbers up to ~1e7; both steps stream M once, unlike Gram-Schmidt's l passes.
 * A column dependent on earlier ones (relative residual below 1e-13) becomes zero.
 */
function cholQrPass(m: Float64Array, rows: number, l: number): void {
  const g = gramColumns(m, rows, l);
  const r = new Float64Array(l * l); // upper triangular, row-major
  let maxDiag = 0;
  for (let j = 0; j < l; j++) maxDiag = Math.max(maxDiag, g[j * l + j]);
  for (let j = 0; j < l; j++) {
    let s = g[j * l + j];
    for (let k = 0; k < j; k++) s -= r[k * l + j] ** 2;
    if (!(s > 1e-13 * maxDiag)) continue; // dependent: R row stays zero, the column is zeroed below
    const d = Math.sqrt(s);
    r[j * l + j] = d;
    for (let c = j + 1; c < l; c++) {
      let t = g[j * l + c];
      for (let k = 0; k < j; k++) t -= r[k * l + j] * r[k * l + c];
      r[j * l + c] = t / d;
    }
  }
  // Each row x solves x R = y, column by column (x_j = y_j / r_jj, then y_c -= x_j r_jc), four rows at a time.
  for (let i = 0; i < rows; i += 4) {
    const n = Math.min(4, rows - i);
    const o0 = i * l, o1 = n > 1 ? o0 + l : o0, o2 = n > 2 ? o0 + 2 * l : o0, o3 = n > 3 ? o0 + 3 * l : o0;
    for (let j = 0; j < l; j++) {
      const d = r[j * l + j];
      if (d === 0) {
        m[o0 + j] = m[o1 + j] = m[o2 + j] = m[o3 + j] = 0;
        continue;
      }
      const x0 = (m[o0 + j] /= d);
      const x1 = n > 1 ? (m[o1 + j] /= d) : 0;
      const x2 = n > 2 ? (m[o2 + j] /= d) : 0;
      const x3 = n > 3 ? (m[o3 + j] /= d) : 0;
      const ro = j * l;
      for (let c = j + 1; c < l; c++) {
        const rc = r[ro + c];
        m[o0 + c] -= x0 * rc;
        if (n > 1) m[o1 + c] -= x1 * rc;
        if (n > 2) m[o2 + c] -= x2 * rc;
        if (n > 3) m[o3 + c] -= x3 * rc;
      }
    }
  }
}

/** Orthonormalises the l columns of a row-major rows x l matrix in place (CholQR2); dependent columns become zero. */
export function orthonormalizeColumns(m: Float64Array, rows: number, l: number): void {
  cholQrPass(m, rows, l);
  cholQrPass(m, rows, l);
}

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major, left unchanged): Householder reduction to
 * tridiagonal form, then the implicit QL algorithm (EISPACK's tred2/tql2, as in JAMA). O(n^3) with a
 * small constant: ~0.1 s for the 266-wide sketch, where cyclic Jacobi took over a second.
 * Returns eigenvalues descending and the matching unit eigenvectors as columns of an n x n matrix.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const at = (i: number, j: number) => i * n + j;
  // tred2: Householder tridiagonalisation, accumulating the transformations in V.
  for (let j = 0; j < n; j++) d[j] = V[at(n - 1, j)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
        V[at(j, i)] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[at(j, i)] = f;
        g = e[j] + V[at(j, j)] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[at(k, j)] * d[k];
          e[k] += V[at(k, j)] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[at(k, j)] -= f * e[k] + g * d[k];
        d[j] = V[at(i - 1, j)];
        V[at(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[at(n - 1, i)] = V[at(i, i)];
    V[at(i, i)] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[at(k, i + 1)] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[at(k, i + 1)] * V[at(k, j)];
        for (let k = 0; k <= i; k++) V[at(k, j)] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[at(k, i + 1)] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[at(n - 1, j)];
    V[at(n - 1, j)] = 0;
  }
  if (n > 0) V[at(n - 1, n - 1)] = 1;
  e[0] = 0;
  // tql2: implicit QL iterations on the tridiagonal (d, e).
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      for (let iter = 0; iter < 100; iter++) {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            const vk = k * n;
            h = V[vk + i + 1];
            V[vk + i + 1] = s * V[vk + i] + c * h;
            V[vk + i] = c * V[vk + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]) > eps * tst1)) break;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src];
  });
  return { values, vectors };
}

/** Standard normal draws from the workspace's seeded generator (Box-Muller). */
function gaussian(count: number, seed: number): Float64Array {
  const rand = rng(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    out[i] = r * Math.cos(t);
    if (i + 1 < count) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/**
 * Truncated SVD A ~ U S V^T by randomized subspace iteration (Halko, Martinsson & Tropp 2011, alg. 4.4):
 * sketch Y = A * Omega with a seeded Gaussian Omega, sharpen with (A A^T)^q, Q = orth(Y); then B = Q^T A is small (l x cols) and its SVD comes from the eigen-decomposition
 * of B B^T. Returns the k largest singular values and V (cols x k, row-major); directions with a zero
 * singular value (rank below k) have zero columns.
 */
export function randomizedSvd(a: Csr, k: number, opts: SvdOptions = {}): { s: Float64Array; v: Float64Array } {
  const { oversample = 10, powerIterations = 2, seed = 0 } = opts;
  const l = Math.min(k + oversample, a.rows, a.cols);
  k = Math.min(k, l);
  // One Cholesky-QR pass per iteration keeps the sketch's condition number near sigma_1 / sigma_l
  // (unchecked it grows as that ratio to the power 2q+1); a full CholQR2 gives the final basis.
  const at = transposeCsr(a);
  let q = csrTimes(a, gaussian(a.cols * l, seed), l);
  for (let it = 0; it < powerIterations; it++) {
    const z = csrTimes(at, q, l);
    cholQrPass(z, a.cols, l);
    q = csrTimes(a, z, l);
  }
  // One more pass gives the basis: q = A z with z orthonormal has condition number at most sigma_1 / sigma_l,
  // where a single CholQR is already orthogonal to ~1e-14. Without power iterations it needs two.
  cholQrPass(q, a.rows, l);
  if (powerIterations === 0) cholQrPass(q, a.rows, l);
  const bt = csrTimes(at, q, l); // B^T = A^T Q, cols x l
  const { values, vectors: w } = symmetricEigen(gramColumns(bt, a.cols, l), l); // B B^T = W S^2 W^T
  const s = new Float64Array(k);
  const tol = Math.max(values[0], 0) * 1e-20;
  for (let j = 0; j < k; j++) s[j] = values[j] > tol ? Math.sqrt(values[j]) : 0;
  // B = W S V^T  =>  V = B^T W S^-1.
  const v = gemm(bt, l, w, l, a.cols, l, k);
  for (let i = 0; i < a.cols; i++) for (let j = 0; j < k; j++) v[i * k + j] = s[j] > 0 ? v[i * k + j] / s[j] : 0;
  return { s, v };
}

/**
 * Latent semantic analysis: TF-IDF rows (sublinear tf 1 + ln tf, smooth idf ln((1 + N) / (1 + df)) + 1,
 * unit length, as scikit-learn's TfidfVectorizer) reduced by a truncated SVD. A text's vector is its
 * TF-IDF row times V, made unit length, so a corpus doc and the same text as a query land on the same point.
 */
export class LsaModel {
  readonly vocab = new Map<string, number>();
  readonly idf: Float64Array;
  readonly dim: number;
  readonly singularValues: Float64Array;
  /** Unit rows (doc i at i*dim); zero for docs without a kept term, which are flagged in `empty`. */
  readonly docVectors: Float32Array;
  readonly empty: Uint8Array;
  private readonly v: Float64Array;

  constructor(docs: readonly (readonly string[])[], opts: LsaOptions = {}) {
    const { components = 256, minDf = 2 } = opts;
    const n = docs.length;
    const df = new Map<string, number>();
    for (const tokens of docs) for (const t of new Set(tokens)) df.set(t, (df.get(t) ?? 0) + 1);
    const idf: number[] = [];
    for (const [t, f] of df) {
      if (f < minDf) continue;
      this.vocab.set(t, idf.length);
      idf.push(Math.log((1 + n) / (1 + f)) + 1);
    }
    this.idf = Float64Array.from(idf);
    const rows = docs.map((d) => this.weights(d));
    const start = new Int32Array(n + 1);
    rows.forEach((r, i) => (start[i + 1] = start[i] + r.idx.length));
    const a: Csr = { rows: n, cols: this.vocab.size, start, col: new Int32Array(start[n]), val: new Float64Array(start[n]) };
    rows.forEach((r, i) => {
      a.col.set(r.idx, start[i]);
      a.val.set(r.val, start[i]);
    });
    if (a.cols === 0 || n === 0) {
      this.dim = 1;
      this.singularValues = new Float64Array(0);
      this.v = new Float64Array(a.cols);
    } else {
      const { s, v } = randomizedSvd(a, Math.min(components, n, a.cols), opts);
      this.dim = s.length;
      this.singularValues = s;
      this.v = v;
    }
    const proj = csrTimes(a, this.v, this.dim);
    this.docVectors = normalizeRows(Float32Array.from(proj), this.dim);
    this.empty = Uint8Array.from(rows, (r) => (r.idx.length === 0 ? 1 : 0));
  }

  /** The text's unit TF-IDF row over the kept vocabulary, as sorted indices and values. */
  weights(tokens: readonly string[]): { idx: Int32Array; val: Float64Array } {
    const tf = new Map<number, number>();
    for (const t of tokens) {
      const id = this.vocab.get(t);
      if (id !== undefined) tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    const idx = Int32Array.from(tf.keys()).sort();
    const val = Float64Array.from(idx, (id) => (1 + Math.log(tf.get(id)!)) * this.idf[id]);
    let ss = 0;
    for (const x of val) ss += x * x;
    if (ss > 0) for (let i = 0; i < val.length; i++) val[i] /= Math.sqrt(ss);
    return { idx, val };
  }

  /** The unit latent vector of a text; null when it has no kept term. */
  project(tokens: readonly string[]): Float32Array | null {
    const { idx, val } = this.weights(tokens);
    if (idx.length === 0) return null;
    const out = new Float64Array(this.dim);
    for (let p = 0; p < idx.length; p++) {
      const r = idx[p] * this.dim;
      for (let c = 0; c < this.dim; c++) out[c] += val[p] * this.v[r + c];
    }
    return normalizeRows(Float32Array.from(out), this.dim);
  }
}
