/**
 * Similar NeurIPS papers ([10]) from the command line:
 *   npm run papers -- "abstract text"          free text
 *   npm run papers -- --id 1234                a paper of the corpus (itself left out of the results)
 *   npm run papers -- --file abstract.txt      text from a file
 * options: -k 10, --ranker bm25|hybrid|lsa|embed (default bm25), --row N (a paper by row, for the repeated id 6263).
 * The hybrid uses the reranker notebook 10's full run fitted (data/neurips/reranker.json), where there is one.
 * Progress goes to stderr, results to stdout.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { runMain, UserError } from "../src/errors";
import { buildEngine } from "../src/text/engine";
import { snippet } from "../src/text/hit-rows";
import { loadPapers, paperText, type NeuripsPaper } from "../src/text/papers";
import { loadRerankModel, rerankModelPath } from "../src/text/rerank";
import type { Hit, RankerName } from "../src/text/types";

const RANKERS: RankerName[] = ["hybrid", "bm25", "lsa", "embed"];
const USAGE = 'usage: npm run papers -- ("abstract text" | --id <paper id> | --row <n> | --file <path>) [-k 10] [--ranker bm25|hybrid|lsa|embed]';


async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        id: { type: "string" },
        row: { type: "string" },
        file: { type: "string" },
        k: { type: "string", short: "k", default: "10" },
        // BM25 builds in a second; the hybrid (with the learned reranker: better on the pseudo-relevance tasks of notebook 10, not on its hand-judged queries)
        // needs USE-lite vectors of the whole corpus: about 20 minutes on the first run, cached after.
        ranker: { type: "string", default: "bm25" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new UserError(`-k must be an integer 1-1000, got "${values.k}"`);
  const ranker = values.ranker as RankerName;
  if (!RANKERS.includes(ranker)) throw new UserError(`unknown ranker "${values.ranker}"; choose one of ${RANKERS.join(", ")}`);
  const sources = [positionals.length > 0, values.id !== undefined, values.row !== undefined, values.file !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new UserError(`give exactly one query: text, --id, --row or --file\n${USAGE}`);

  let text: string | undefined;
  if (values.file !== undefined) {
    if (!fs.existsSync(values.file)) throw new UserError(`query file ${values.file} does not exist`);
    try {
      text = fs.readFileSync(values.file, "utf8");
    } catch (e) {
      // A directory or an unreadable file: say which, without a stack trace.
      throw new UserError(`cannot read query file ${values.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else if (positionals.length) {
    text = positionals.join(" ");
  }
  if (text !== undefined && !text.trim()) throw new UserError("the query is empty");

  console.error("[papers] loading the corpus");
  const { papers, provenance } = await loadPapers();
  let self: NeuripsPaper | undefined;
  if (values.id !== undefined) {
    const rows = papers.filter((p) => p.id === values.id);
    if (rows.length === 0) throw new UserError(`no paper with id "${values.id}" (ids look like 1234 up to 2019, 2020-<32 hex> after)`);
    if (rows.length > 1) {
      throw new UserError(`id ${values.id} names ${rows.length} papers (${rows.map((p) => `row ${p.index}: "${p.title}"`).join("; ")}); pick one with --row`);
    }
    self = rows[0];
  } else if (values.row !== undefined) {
    const row = Number(values.row);
    if (!Number.isInteger(row) || row < 0 || row >= papers.length) throw new UserError(`--row must be an integer 0-${papers.length - 1}, got "${values.row}"`);
    self = papers[row];
  }
  const query = self ? paperText(self) : text!.trim();

  const texts = papers.map(paperText);
  console.error(`[papers] building the ${ranker} index over ${papers.length} papers (${provenance}); vectors are cached under .cache/text`);
  const t0 = performance.now();
  const engine = await buildEngine(texts, { rankers: ranker === "hybrid" ? RANKERS : [ranker], progress: (line: string) => console.error(`[papers] ${line}`) });
  console.error(`[papers] index ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const hybrid = engine.rankers.hybrid;
  if (hybrid) {
    if (fs.existsSync(rerankModelPath())) {
      hybrid.setReranker(loadRerankModel(rerankModelPath()));
      hybrid.setWeights({}, "learned");
      console.error(`[papers] hybrid: the reranker fitted by notebook 10 (${rerankModelPath()})`);
    } else console.error(`[papers] hybrid: no fitted reranker at ${rerankModelPath()} (run notebook 10 in full mode); reciprocal-rank fusion`);
  }

  const t1 = performance.now();
  const hits = await engine.rankers[ranker]!.search(query, k, self ? { exclude: self.index } : undefined);
  const ms = performance.now() - t1;

  const head = self ? `paper ${self.id} (${self.year}) "${self.title}"${self.hasAbstract ? "" : " [no abstract: title only]"}` : `text (${query.length} characters)`;
  console.log(`query: ${head}`);
  console.log(`top ${hits.length} by ${ranker} in ${ms.toFixed(0)} ms\n`);
  if (!hits.length) console.log("(no results: none of the query's words is in the index)");
  hits.forEach((h: Hit, i: number) => {
    const p = papers[h.doc];
    console.log(`${String(i + 1).padStart(2)}. ${h.score.toFixed(4)}  ${p.year}  ${p.title}  [${p.id}]`);
    console.log(`      ${snippet(p)}`);
  });
}

runMain(main);
