// Benchmark of the similar-papers retrieval engine (src/text) on the NeurIPS corpus of challenge [10].
//   npx tsx bench/papers-engine.ts [--cold] [--queries 200] [--encoder onnx|tfjs] [--scoring onnx|js]
//                                  [--texts title+abstract|abstract]
// Targets: index build <= 60 s with a warm vector cache; query latency p95 <= 50 ms per ranker, encoding the
// query included. Queries are abstracts of corpus papers (their own paper excluded), as in the evaluation.
// --cold builds against an empty temporary cache first (encodes every abstract: minutes), then warm.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cacheDir } from "../src/config";
import { runMain } from "../src/errors";
import { loadUseTfjs, type SentenceEncoder } from "../src/text/embeddings";
import { loadPapers, paperText } from "../src/text/papers";
import { buildEngine, type TextEngine } from "../src/text/engine";
import type { RankerName } from "../src/text/types";
import { loadUseOnnx } from "../src/text/use-onnx";
import { percentile } from "../src/util/percentile";
import { permutation } from "../src/util/random";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** The papers as the product index sees them (src/text/papers: one loader, one text rule). */
async function corpus(kind: string): Promise<{ texts: string[]; abstracts: string[] }> {
  const { papers } = await loadPapers();
  const abstracts = papers.map((p) => p.abstract);
  return { texts: kind === "abstract" ? abstracts : papers.map(paperText), abstracts };
}

async function build(texts: string[], encoder: SentenceEncoder, cacheDir: string, label: string): Promise<TextEngine> {
  const scoring = arg("scoring", "onnx") as "onnx" | "js";
  const engine = await buildEngine(texts, { encoder, cacheDir, scoring, progress: (l) => console.log(`  ${l}`) });
  const s = engine.buildSeconds;
  const steps = Object.entries(s).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(", ");
  console.log(`${label} build: ${steps}`);
  return engine;
}

async function main(): Promise<void> {
  const n = Number(arg("queries", "200"));
  const kind = arg("texts", "title+abstract");
  const t0 = performance.now();
  const { texts, abstracts } = await corpus(kind);
  console.log(`${texts.length.toLocaleString("en-US")} papers (${kind}), loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${os.cpus().length} cores`);
  const tl = performance.now();
  const encoder = arg("encoder", "onnx") === "tfjs" ? await loadUseTfjs() : await loadUseOnnx();
  console.log(`encoder ${arg("encoder", "onnx")} loaded in ${((performance.now() - tl) / 1000).toFixed(2)} s`);
  if (process.argv.includes("--cold")) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papers-cold-"));
    try {
      await build(texts, encoder, dir, "cold");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const engine = await build(texts, encoder, cacheDir("text"), "warm");
  const withAbstract = [...permutation(texts.length, 7)].filter((i) => abstracts[i]).slice(0, n);
  for (const name of ["bm25", "lsa", "embed", "hybrid"] as RankerName[]) {
    const ranker = engine.rankers[name]!;
    await ranker.search(abstracts[withAbstract[0]], 10); // warm the JIT
    const ms: number[] = [];
    for (const doc of withAbstract) {
      const t = performance.now();
      await ranker.search(abstracts[doc], 10, { exclude: doc });
      ms.push(performance.now() - t);
    }
    console.log(`${name.padEnd(6)} query latency over ${ms.length} abstracts: p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`);
  }
}

runMain(main);
