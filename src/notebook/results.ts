import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot, runMode, type RunMode } from "../config";
import type { LocatedDataset, Provenance } from "../data/types";

/** The file every notebook writes: results/<notebook-stem>.json (quick runs: results/quick/, git-ignored). */
export interface ResultsFile {
  notebook: string;
  mode: RunMode;
  commit: string;
  duration_s: number;
  backend: string | null;
  data: { id: string; provenance: Provenance }[];
  metrics: Record<string, number>;
  /** Written at: ISO time. */
  written: string;
}

export function resultsDir(mode: RunMode): string {
  return path.join(projectRoot(), "results", ...(mode === "quick" ? ["quick"] : []));
}

/** The checked-out commit, with "-dirty" when tracked files differ from it. */
export function currentCommit(): string {
  try {
    const run = (args: string[]) => execFileSync("git", args, { cwd: projectRoot(), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return run(["rev-parse", "--short=12", "HEAD"]) + (run(["status", "--porcelain", "--untracked-files=no"]) ? "-dirty" : "");
  } catch {
    return "unknown";
  }
}

/**
 * A notebook's run: started at the top of the notebook, fed the data sets it used and its backend,
 * and written once at the end with its headline metrics.
 */
export class NotebookRun {
  readonly mode: RunMode = runMode();
  private readonly started = Date.now();
  /** Taken when the run starts: files the notebook itself writes (a fitted model) must not mark it dirty. */
  readonly commit = currentCommit();
  private readonly data = new Map<string, Provenance>();
  private backend: string | null = null;

  constructor(readonly notebook: string) {
    if (!/^\d\d-[a-z0-9-]+$/.test(notebook)) throw new Error(`notebook stem "${notebook}" should look like 00-workspace`);
  }

  get quick(): boolean {
    return this.mode === "quick";
  }

  /** True when any data set came from a stand-in generator: every output must then say STAND-IN. */
  get standIn(): boolean {
    return [...this.data.values()].includes("stand-in");
  }

  useData(...sets: LocatedDataset[]): this {
    for (const s of sets) this.data.set(s.id, s.provenance);
    return this;
  }

  useBackend(detail: string): this {
    this.backend = detail;
    return this;
  }

  /** Writes the results file and returns it. Metrics must be finite numbers. */
  write(metrics: Record<string, number>): ResultsFile {
    for (const [k, v] of Object.entries(metrics)) {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`metric ${k} is not a finite number: ${v}`);
    }
    const out: ResultsFile = {
      notebook: this.notebook,
      mode: this.mode,
      commit: this.commit,
      duration_s: Math.round((Date.now() - this.started) / 100) / 10,
      backend: this.backend,
      data: [...this.data].map(([id, provenance]) => ({ id, provenance })),
      metrics,
      written: new Date().toISOString(),
    };
    const dir = resultsDir(this.mode);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${this.notebook}.json`), JSON.stringify(out, null, 2) + "\n");
    return out;
  }
}

export function startRun(notebook: string): NotebookRun {
  return new NotebookRun(notebook);
}

/** All results files of a mode, sorted by notebook. */
export function readResults(mode: RunMode): ResultsFile[] {
  const dir = resultsDir(mode);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as ResultsFile);
}
