/**
 * The [10] evaluation without a notebook: every task x ranker (TEST split), the hand-judged set, latency and
 * build time; prints the markdown table, then the metrics as JSON on the last line.
 *   npx tsx scripts/papers-eval.ts [--quick] [--per-split N] [--tune-queries N] [--json out.json]
 *                                  [--tasks title_to_abstract,half_to_half,author_links] [--fusion rrf|weighted:B,L,E]
 * --quick (or WS_MODE=quick) samples 200 queries per split and task; the weight grid sees 300 TUNE queries per
 * task in a sampled run and 1,000 in a full one. --fusion fixes the hybrid's setting
 * (one chosen on TUNE by an earlier run) instead of the grid; `--tasks ""` runs only the hand-judged set.
 * Progress goes to stderr.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { runMode } from "../src/config";
import { runMain, UserError } from "../src/errors";
import { buildEngine } from "../src/text/engine";
import { evaluate, fmtSetting, formatTable, type FusionSetting } from "../src/text/evaluate";
import { handJudgedPath, loadHandJudged, type TaskName } from "../src/text/judgements";
import { loadPapers, paperStats } from "../src/text/papers";

/** "weighted:1,0,2" or "rrf:1,1,1" (bm25, lsa, embed weights). */
function parseFusion(s: string): FusionSetting {
  const m = /^(rrf|weighted):([\d.]+),([\d.]+),([\d.]+)$/.exec(s);
  if (!m) throw new UserError(`--fusion must look like weighted:1,0,2 or rrf:1,1,1, got "${s}"`);
  return { mode: m[1] as FusionSetting["mode"], weights: { bm25: Number(m[2]), lsa: Number(m[3]), embed: Number(m[4]) } };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: "boolean" },
      "per-split": { type: "string" },
      "tune-queries": { type: "string" },
      json: { type: "string" },
      tasks: { type: "string" },
      fusion: { type: "string" },
    },
  });
  const int = (s: string | undefined, what: string) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${what} must be a positive integer, got "${s}"`);
    return n;
  };
  const quick = values.quick || runMode() === "quick";
  const perSplit = int(values["per-split"], "--per-split") ?? (quick ? 200 : undefined);
  const log = (l: string) => console.error(l);

  const t0 = performance.now();
  const { papers, provenance } = await loadPapers();
  const stats = paperStats(papers);
  log(`[eval] ${stats.papers} papers (${stats.withAbstract} with abstracts), provenance ${provenance}, mode ${perSplit ? `sampled ${perSplit} queries per split` : "full"}`);
  const tasks = values.tasks === undefined ? undefined : (values.tasks.split(",").filter(Boolean) as TaskName[]);
  const fusion = values.fusion === undefined ? undefined : parseFusion(values.fusion);
  const hand = fs.existsSync(handJudgedPath()) ? loadHandJudged(handJudgedPath()) : undefined;
  const ev = await evaluate(papers, {
    build: buildEngine,
    limit: perSplit ? { perSplit, seed: 10 } : undefined,
    tuneQueries: int(values["tune-queries"], "--tune-queries") ?? (perSplit ? 300 : 1000),
    handJudged: hand,
    tasks,
    fusion,
    progress: log,
  });
  const wall = (performance.now() - t0) / 1000;

  console.log(formatTable(ev));
  const how = ev.fusion.fixed ? "fixed by --fusion" : ev.fusion.tuned ? "tuned on TUNE" : "engine default (weights not settable)";
  console.log(`\nfusion: ${how}${ev.fusion.chosen ? `, ${fmtSetting(ev.fusion.chosen)}` : ""}`);
  console.log(`queries run (TUNE/TEST): ${Object.entries(ev.queryCounts).map(([t, c]) => `${t} ${c.tune}/${c.test}`).join(", ")}`);
  console.log(`seconds: ${Object.entries(ev.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}; total ${wall.toFixed(0)} s`);
  const out = { mode: perSplit ? "quick" : "full", provenance, metrics: ev.metrics, fusion: ev.fusion, queryCounts: ev.queryCounts, seconds: ev.seconds, rows: ev.rows, wall_s: wall };
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(out, null, 2));
  console.log(JSON.stringify(ev.metrics));
}

runMain(main);
