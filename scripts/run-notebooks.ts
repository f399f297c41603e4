// Main job: execute every notebook headless on the tslab kernel, render each to HTML in one folder with an
// index page, check in Chromium that the tour's chart is visible, and (full mode) refresh the README table.
//   npm start                      full mode (the reported results)
//   npm start -- --quick           quick mode (small slices, few epochs; what CI runs)
//   npm start -- --only 00,02      only notebooks whose name contains one of these
//   npm start -- --out DIR         output folder (default build/site)
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot, type RunMode } from "../src/config";
import { runMain, UserError } from "../src/errors";
import { executeNotebook, type NotebookOutcome } from "../src/notebook/execute";
import { assertChartVisible } from "../src/notebook/render-check";
import { currentCommit, readResults } from "../src/notebook/results";
import { indexPage, replaceResultsSection, resultsMarkdown } from "../src/notebook/site";

const TOUR = "00-workspace";

function parseArgs(argv: string[]): { mode: RunMode; only: string[]; out: string } {
  let mode: RunMode = "full";
  let only: string[] = [];
  let out = path.join(projectRoot(), "build", "site");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") mode = "quick";
    else if (a === "--full") mode = "full";
    else if (a === "--only" && argv[i + 1]) only = argv[++i].split(",").filter(Boolean);
    else if (a === "--out" && argv[i + 1]) out = path.resolve(argv[++i]);
    else if (a === "--help" || a === "-h") {
      console.log(fs.readFileSync(__filename, "utf8").split("\n").filter((l) => l.startsWith("//")).join("\n"));
      process.exit(0);
    } else throw new UserError(`unknown argument "${a}" (try --help)`);
  }
  return { mode, only, out };
}

async function main(): Promise<void> {
  const { mode, only, out } = parseArgs(process.argv.slice(2));
  const dir = path.join(projectRoot(), "notebooks");
  const notebooks = fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f) && (only.length === 0 || only.some((o) => f.includes(o))))
    .sort();
  if (notebooks.length === 0) throw new UserError(`no notebooks match ${only.join(",") || "notebooks/NN-*.ipynb"}`);
  const started = Date.now();
  const timeoutS = mode === "quick" ? 900 : 3600;
  console.log(`Running ${notebooks.length} notebook(s) in ${mode} mode -> ${out}`);

  const outcomes: NotebookOutcome[] = [];
  for (const [i, nb] of notebooks.entries()) {
    process.stdout.write(`[${i + 1}/${notebooks.length}] ${nb} ... `);
    const o = await executeNotebook(path.join(dir, nb), out, mode, timeoutS);
    console.log(o.ok ? `ok (${o.seconds.toFixed(1)} s)` : `FAILED (${o.seconds.toFixed(1)} s)\n  ${nb}: ${o.failure?.replace(/\n/g, "\n    ")}`);
    outcomes.push(o);
  }

  const tour = outcomes.find((o) => o.notebook === TOUR && o.ok);
  if (tour) {
    try {
      const c = await assertChartVisible(tour.html);
      console.log(`render check: ${TOUR}.html shows its chart in Chromium (${Math.round(c.width)}x${Math.round(c.height)} px, ${(c.ink * 100).toFixed(1)}% ink)`);
    } catch (e) {
      tour.ok = false;
      tour.failure = `render check: ${(e as Error).message}`;
      console.log(`render check FAILED: ${(e as Error).message}`);
    }
  }

  // Only results written by this run count; a notebook that failed before writing shows none.
  const results = readResults(mode).filter((r) => Date.parse(r.written) >= started && outcomes.some((o) => o.notebook === r.notebook));
  fs.writeFileSync(path.join(out, "index.html"), indexPage({ mode, commit: currentCommit(), outcomes, results }));
  console.log(`index: ${path.join(out, "index.html")}`);

  if (mode === "full") {
    const readme = path.join(projectRoot(), "README.md");
    fs.writeFileSync(readme, replaceResultsSection(fs.readFileSync(readme, "utf8"), resultsMarkdown(readResults("full"))));
    console.log("README.md results table regenerated from results/*.json");
  }

  const failed = outcomes.filter((o) => !o.ok);
  for (const f of failed) console.log(`FAILED ${f.notebook}: ${f.failure?.split("\n")[0]}`);
  console.log(`notebooks: ${outcomes.length - failed.length} passed, ${failed.length} failed`);
  if (failed.length) process.exitCode = 1;
}

runMain(main);
