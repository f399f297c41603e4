import type pl from "nodejs-polars";
import { sendDisplay } from "./kernel";

/** Tables in notebooks: HTML for Jupyter and the rendered pages, plain text for the console. */

type Cell = string | number | boolean | null | undefined | bigint;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function format(v: Cell, digits: number): string {
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(digits);
  return v == null ? "" : String(v);
}

export function tableHtml(rows: Record<string, Cell>[], options: { caption?: string; digits?: number } = {}): string {
  const cols = rows.length ? Object.keys(rows[0]) : [];
  const digits = options.digits ?? 4;
  const head = `<tr>${cols.map((c) => `<th>${escape(c)}</th>`).join("")}</tr>`;
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td style="text-align:${typeof r[c] === "number" ? "right" : "left"}">${escape(format(r[c], digits))}</td>`).join("")}</tr>`)
    .join("\n");
  const caption = options.caption ? `<caption style="caption-side:top;text-align:left"><b>${escape(options.caption)}</b></caption>` : "";
  return `<table>${caption}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** Shows rows as a table in the notebook (or prints them outside one). */
export function showTable(rows: Record<string, Cell>[], options: { caption?: string; digits?: number } = {}): void {
  const text = rows.map((r) => Object.values(r).map((v) => format(v, options.digits ?? 4)).join("\t")).join("\n");
  if (!sendDisplay({ data: { "text/html": tableHtml(rows, options), "text/plain": text }, metadata: {} })) console.table(rows);
}

/** Shows the first rows of a polars DataFrame, with its shape in the caption. */
export function showFrame(df: pl.DataFrame, options: { caption?: string; rows?: number } = {}): void {
  const n = options.rows ?? 10;
  const rows = df.head(n).toRecords() as Record<string, Cell>[];
  const shape = `${df.height.toLocaleString("en-US")} rows x ${df.width} columns${df.height > n ? `, first ${n} shown` : ""}`;
  showTable(rows, { caption: options.caption ? `${options.caption} (${shape})` : shape });
}
