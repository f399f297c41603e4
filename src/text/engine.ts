import { cacheDir } from "../config";
import { UserError } from "../errors";
import { Bm25Index, type Bm25Options } from "./bm25";
import { VectorIndex, type MatVec } from "./cosine";
import { encodeCorpus, loadUseTfjs, type SentenceEncoder } from "./embeddings";
import { HybridRanker, type FusionOptions } from "./hybrid";
import { LsaModel, type LsaOptions } from "./lsa";
import { RerankIndex } from "./rerank";
import { loadUseOnnx, onnxMatVec } from "./use-onnx";
import { tokenize } from "./tokenize";
import type { Engine, EngineOptions, Hit, Ranker, RankerName, SearchOptions } from "./types";
import { VectorCache } from "./vector-cache";

/** Rejects what no ranker can answer: an empty query, or k not a positive integer. */
export function checkQuery(query: string, k: number): void {
  if (typeof query !== "string" || !query.trim()) throw new UserError(`empty query: ${JSON.stringify(query)} has no text to search with`);
  if (!Number.isInteger(k) || k < 1) throw new UserError(`k must be a positive integer, not ${k}`);
}

export class Bm25Ranker implements Ranker {
  readonly name = "bm25" as const;
  constructor(readonly index: Bm25Index) {}

  async search(query: string, k: number, opts: SearchOptions = {}): Promise<Hit[]> {
    checkQuery(query, k);
    return this.index.search(tokenize(query), k, opts.exclude);
  }
}

export class LsaRanker implements Ranker {
  readonly name = "lsa" as const;
  readonly index: VectorIndex;
  constructor(
    readonly model: LsaModel,
    matvec?: MatVec,
  ) {
    this.index = new VectorIndex(model.docVectors, model.dim, model.empty, matvec);
  }

  /** No hits when the query has no term of the model's vocabulary. */
  async search(query: string, k: number, opts: SearchOptions = {}): Promise<Hit[]> {
    checkQuery(query, k);
    const v = this.model.project(tokenize(query));
    return v ? this.index.searchAsync(v, k, opts.exclude) : [];
  }
}

export class EmbedRanker implements Ranker {
  readonly name = "embed" as const;
  constructor(
    readonly encoder: SentenceEncoder,
    readonly index: VectorIndex,
  ) {}

  async search(query: string, k: number, opts: SearchOptions = {}): Promise<Hit[]> {
    checkQuery(query, k);
    return this.searchVector(await this.encoder.encode([query]), k, opts);
  }

  /** Search with an already encoded unit vector, e.g. a corpus doc's own row (`index.row(doc)`). */
  searchVector(v: Float32Array, k: number, opts: SearchOptions = {}): Promise<Hit[]> {
    return this.index.searchAsync(v, k, opts.exclude);
  }
}

/**
 * USE-lite on ONNX Runtime (~17 ms an abstract), or, where ONNX Runtime cannot load, the same model on
 * TensorFlow.js wasm (~110 ms). Both give the same vectors (to ~1e-6) and share the cache.
 */
export function loadUse(progress: (line: string) => void = () => {}): Promise<SentenceEncoder> {
  // Loaded once per process: engines built for several text variants share the model.
  sharedUse ??= loadUseOnnx().catch((e: Error) => {
    progress(`embed: ONNX Runtime unavailable (${e.message.split("\n")[0]}); using TensorFlow.js wasm, ~6x slower`);
    return loadUseTfjs();
  });
  return sharedUse;
}
let sharedUse: Promise<SentenceEncoder> | undefined;
let sharedMatVec: Promise<MatVec | undefined> | undefined;

export interface BuildOptions extends EngineOptions {
  /** The sentence encoder, or a loader for it; default `loadUse()`: USE-lite on ONNX Runtime. */
  encoder?: SentenceEncoder | (() => Promise<SentenceEncoder>);
  bm25?: Bm25Options;
  lsa?: LsaOptions;
  fusion?: FusionOptions;
  /** Texts per encoder call when filling the cache; default 32. */
  batchSize?: number;
  /** Exact-search kernel: "onnx" (default; ONNX Runtime's matvec, ~2x faster) or "js" (also the fallback). */
  scoring?: "onnx" | "js";
}

/** The engine with its concrete rankers, for what the plain interface hides (fusion weights, vectors). */
export interface TextEngine extends Engine {
  readonly rankers: { bm25?: Bm25Ranker; lsa?: LsaRanker; embed?: EmbedRanker; hybrid?: HybridRanker };
}

const ALL: RankerName[] = ["bm25", "lsa", "embed", "hybrid"];

/**
 * Builds the requested rankers over the texts (default all four; the hybrid also builds the three it
 * fuses, and exposes them, and the reranker's per-doc data). Empty texts are allowed and never match.
 * `buildSeconds` times each step: tokenize, bm25, lsa, rerank, embedLoad (model), embed (corpus vectors,
 * cache included), total.
 */
export async function buildEngine(texts: string[], opts: BuildOptions = {}): Promise<TextEngine> {
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) throw new UserError("buildEngine needs an array of strings");
  const wanted = new Set(opts.rankers ?? ALL);
  for (const r of wanted) if (!ALL.includes(r)) throw new UserError(`unknown ranker "${r}"; choose from ${ALL.join(", ")}`);
  if (wanted.has("hybrid")) for (const r of ["bm25", "lsa", "embed"] as const) wanted.add(r);
  const progress = opts.progress ?? (() => {});
  const buildSeconds: Record<string, number> = {};
  const t0 = performance.now();
  const timed = async <T>(step: string, f: () => T | Promise<T>): Promise<T> => {
    const t = performance.now();
    const out = await f();
    buildSeconds[step] = (performance.now() - t) / 1000;
    return out;
  };
  const rankers: TextEngine["rankers"] = {};
  let matvec: MatVec | undefined;
  let rerankIndex: RerankIndex | undefined;
  if (opts.scoring !== "js" && (wanted.has("lsa") || wanted.has("embed"))) {
    matvec = await (sharedMatVec ??= onnxMatVec().catch(() => undefined)); // no ONNX Runtime: the JavaScript kernel
  }
  if (wanted.has("bm25") || wanted.has("lsa")) {
    const tokens = await timed("tokenize", () => texts.map(tokenize));
    if (wanted.has("bm25")) rankers.bm25 = new Bm25Ranker(await timed("bm25", () => new Bm25Index(tokens, opts.bm25)));
    if (wanted.has("lsa")) {
      const lsa = await timed("lsa", () => new LsaModel(tokens, { seed: opts.seed, ...opts.lsa }));
      progress(`lsa: ${lsa.vocab.size.toLocaleString("en-US")} terms -> ${lsa.dim} dimensions in ${buildSeconds.lsa.toFixed(1)} s`);
      rankers.lsa = new LsaRanker(lsa, matvec);
    }
    if (wanted.has("hybrid")) rerankIndex = await timed("rerank", () => new RerankIndex(texts, tokens, rankers.bm25!.index));
  }
  if (wanted.has("embed")) {
    const enc = opts.encoder ?? (() => loadUse(progress));
    const encoder = await timed("embedLoad", () => (typeof enc === "function" ? enc() : enc));
    const cache = VectorCache.open(opts.cacheDir ?? cacheDir("text"), encoder.id, encoder.dim);
    const { vectors, inactive, encoded, cached } = await timed("embed", () =>
      encodeCorpus(encoder, texts, { cache, batchSize: opts.batchSize, progress }),
    );
    const s = cache.stats;
    const damage = s.corrupt || s.truncatedBytes || s.reset ? `; cache damage repaired: ${s.corrupt} bad records, ${s.truncatedBytes} torn bytes${s.reset ? ", foreign header" : ""}` : "";
    progress(`embed: ${cached.toLocaleString("en-US")} vectors from the cache, ${encoded.toLocaleString("en-US")} encoded in ${buildSeconds.embed.toFixed(1)} s${damage}`);
    rankers.embed = new EmbedRanker(encoder, new VectorIndex(vectors, encoder.dim, inactive, matvec));
  }
  if (wanted.has("hybrid")) rankers.hybrid = new HybridRanker([rankers.bm25!, rankers.lsa!, rankers.embed!], opts.fusion, rerankIndex);
  buildSeconds.total = (performance.now() - t0) / 1000;
  return { texts, rankers, buildSeconds };
}
