import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot, type RunMode } from "../config";
import { UserError } from "../errors";

export interface NotebookOutcome {
  notebook: string;
  ok: boolean;
  seconds: number;
  html: string;
  /** On failure: which cell and why, e.g. "cell 4 (code cell 3) `showChart(...)`: TypeError: ..." */
  failure?: string;
}

interface ExecutorReply {
  ok: boolean;
  failed_cell: { index: number; code_index: number; first_line: string } | null;
  error: string | null;
}

/** A Python that has Jupyter's nbclient and nbconvert: WS_PYTHON, else Debian's, else python3 on PATH. */
export function jupyterPython(): string {
  const candidates = [process.env.WS_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);
  for (const py of candidates) {
    try {
      execFileSync(py, ["-c", "import nbclient, nbconvert"], { stdio: "ignore" });
      return py;
    } catch {
      // next
    }
  }
  throw new UserError(`no Python with nbclient and nbconvert among ${candidates.join(", ")}: run scripts/setup.sh (or set WS_PYTHON)`);
}

/**
 * Executes one notebook on the workspace's tslab kernel in the given mode and renders it to HTML.
 * The executed .ipynb and the .html land in outDir, also when a cell fails (to show where).
 */
export async function executeNotebook(file: string, outDir: string, mode: RunMode, timeoutS: number): Promise<NotebookOutcome> {
  const stem = path.basename(file, ".ipynb");
  const html = path.join(outDir, `${stem}.html`);
  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const env = { ...process.env, WS_MODE: mode, JUPYTER_PATH: path.join(projectRoot(), ".jupyter") };
  const args = [path.join(projectRoot(), "scripts", "execute_notebook.py"), file, path.join(outDir, `${stem}.ipynb`), html, "tslab", String(timeoutS)];
  const { code, stdout, stderr } = await run(jupyterPython(), args, env);
  const seconds = (Date.now() - started) / 1000;
  const last = stdout.trim().split("\n").pop() ?? "";
  let reply: ExecutorReply;
  try {
    reply = JSON.parse(last);
  } catch {
    return { notebook: stem, ok: false, seconds, html, failure: `the executor failed (exit ${code}):\n${stderr.trim().split("\n").slice(-15).join("\n")}` };
  }
  if (reply.ok) return { notebook: stem, ok: true, seconds, html };
  const c = reply.failed_cell;
  const where = c ? `cell ${c.index} (code cell ${c.code_index}) \`${c.first_line.slice(0, 80)}\`` : "unknown cell";
  return { notebook: stem, ok: false, seconds, html, failure: `${where}: ${reply.error}` };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    // The kernel's own log lines (e.g. "[ml] TensorFlow.js backend: ...") are progress: pass them through.
    child.stderr.on("data", (d) => {
      stderr += d;
      for (const line of String(d).split("\n")) if (line.startsWith("[")) process.stderr.write(`    ${line}\n`);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
