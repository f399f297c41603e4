import * as path from "node:path";
import { locate } from "../data/locate";
import { readDecompressed } from "../data/tabular";
import type { LocatedDataset, Provenance } from "../data/types";
import { UserError } from "../errors";
import { fnv1a } from "../util/hash";
import type { Paper } from "./types";

/**
 * The catalogue's NeurIPS CSV ([10]): `id, year, title, abstract, authors, pdf_url, source_repo`.
 *
 * Parsed by hand (RFC 4180), not with nodejs-polars: polars reads this file correctly, but it silently pads
 * short rows with nulls and drops a long row's extra fields, and its errors carry no line number.
 *
 * Rules, documented in data/neurips/README.md:
 * - No abstract (empty in the source, or the scraper's placeholder "Part ofAdvances in Neural Information
 *   Processing Systems NN (NeurIPS YYYY)"): the paper stays in the product index with its title as text,
 *   `hasAbstract` false; the abstract-based evaluation tasks leave it out.
 * - id 6263 appears twice with different papers: both are kept; `index` (the row's position) is the
 *   unique key everywhere inside the workspace, the id is only for people.
 */
export const NEURIPS_COLUMNS = ["id", "year", "title", "abstract", "authors", "pdf_url", "source_repo"] as const;
export const NEURIPS_FILE = "neurips_papers_1987_2021.csv.xz";
const YEAR_MIN = 1987;
const YEAR_MAX = 2030;

export interface NeuripsPaper extends Paper {
  /** Row position in the file, 0-based: the unique key (ids repeat). */
  index: number;
  /** False where the source has no abstract (then `abstract` is "" and the paper's text is its title). */
  hasAbstract: boolean;
  pdfUrl: string;
  /** The GitHub repository the row was scraped from. */
  source: string;
  /** 1-based line of the record's start in the CSV, for messages. */
  line: number;
}

export interface PaperSet {
  papers: NeuripsPaper[];
  provenance: Provenance;
  file: string;
  /** The located data set, for a notebook run's provenance record. */
  dataset: LocatedDataset;
}

/** A CSV record and the 1-based line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * RFC 4180 records: fields separated by commas, records by LF or CRLF; a quoted field may hold commas,
 * line breaks and doubled quotes. Strict where the RFC is: a quote inside an unquoted field, text after a
 * closing quote, or an unterminated quote is an error naming the line. A BOM and a final newline are fine.
 */
export function* parseCsv(text: string, source = "CSV"): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        const open = line;
        let buf = "";
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new UserError(`${source}:${open}: unterminated quoted field`);
          buf += text.slice(i, q);
          for (let j = i; j < q; j++) if (text.charCodeAt(j) === 10) line++;
          i = q + 1;
          if (text[i] === '"') {
            buf += '"';
            i++;
          } else break;
        }
        if (i < n && text[i] !== "," && text[i] !== "\n" && !(text[i] === "\r" && text[i + 1] === "\n")) {
          throw new UserError(`${source}:${line}: unexpected text after a closing quote`);
        }
        value = buf;
      } else {
        let j = i;
        while (j < n && text[j] !== "," && text[j] !== "\n" && !(text[j] === "\r" && text[j + 1] === "\n")) {
          if (text[j] === '"') throw new UserError(`${source}:${line}: quote inside an unquoted field`);
          j++;
        }
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (text[i] === ",") {
        i++;
        continue;
      }
      // end of record: newline or end of text
      if (text[i] === "\r") i++;
      if (text[i] === "\n") i++;
      line++;
      break;
    }
    if (!(fields.length === 1 && fields[0] === "")) yield { fields, line: start };
  }
}

const PLACEHOLDER = /^Part of\s*Advances in Neural Information Processing Systems/;

/** Whitespace runs (the source keeps PDF line breaks) become one space. */
function squash(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/** "" for the scraper's placeholder, the leading heading word "Abstract" dropped, whitespace squashed. */
export function cleanAbstract(raw: string): string {
  const s = squash(raw);
  if (PLACEHOLDER.test(s)) return "";
  return s.replace(/^Abstract:?\s+(?=[A-Z])/, "");
}

/** Comma-separated parts that continue the previous name rather than start one. */
const SUFFIXES = new Set(["jr", "jr.", "sr", "sr.", "ii", "iii", "iv"]);
const DEGREES = new Set(["md", "m.d.", "phd", "ph.d."]);

/**
 * The source's author field, "First M. Last, First Last, ..." in both scrapes, as clean names: whitespace
 * squashed, LaTeX accent escapes (\' \` \v \-) and control characters removed, a lone unbalanced "("
 * dropped, "Jr."-style suffixes joined to the name before them and degrees ("MD") dropped.
 */
export function splitAuthors(field: string): string[] {
  const out: string[] = [];
  for (const part of field.split(",")) {
    let name = part
      .replace(/\\-/g, "")
      .replace(/\\[`'^"~v.=]/g, "")
      .replace(/\\/g, "")
      .replace(/\p{Cc}/gu, "");
    if ((name.match(/\(/g)?.length ?? 0) !== (name.match(/\)/g)?.length ?? 0)) name = name.replace(/[()]/g, "");
    name = squash(name);
    if (!name) continue;
    const lower = name.toLowerCase();
    if (DEGREES.has(lower)) continue;
    if (SUFFIXES.has(lower) && out.length) {
      out[out.length - 1] += ` ${name}`;
      continue;
    }
    out.push(name);
  }
  return out;
}

/**
 * A name's matching key: accents folded, lower case, nicknames in parentheses and punctuation removed,
 * middle initials dropped ("Michael I. Jordan" = "Michael Jordan"). Different people can share a key
 * (common names); the author-link judgements accept that noise.
 */
export function authorKey(name: string): string {
  const words = name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/\([^)]*\)/g, " ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(" ")
    .filter(Boolean);
  if (words.length <= 2) return words.join(" ");
  const middle = words.slice(1, -1).filter((w) => w.length > 1 && !SUFFIXES.has(w));
  return [words[0], ...middle, words[words.length - 1]].join(" ");
}

/** The text a paper is indexed and queried by: "title. abstract", or the title alone where there is no abstract. */
export function paperText(p: Paper): string {
  if (!p.abstract) return p.title;
  return /[.?!]$/.test(p.title) ? `${p.title} ${p.abstract}` : `${p.title}. ${p.abstract}`;
}

/** Parses and validates the whole CSV text; any malformed row is an error naming `source` and its line. */
export function parsePapers(text: string, source = "neurips CSV"): NeuripsPaper[] {
  const records = parseCsv(text, source);
  const first = records.next();
  if (first.done) throw new UserError(`${source} is empty`);
  const header = first.value.fields.map((h) => h.trim());
  if (header.join(",") !== NEURIPS_COLUMNS.join(",")) {
    throw new UserError(`${source}:1: header must be ${NEURIPS_COLUMNS.join(",")}; got ${header.join(",")}`);
  }
  const papers: NeuripsPaper[] = [];
  for (const { fields, line } of records) {
    const where = `${source}:${line}`;
    if (fields.length !== NEURIPS_COLUMNS.length) throw new UserError(`${where}: expected ${NEURIPS_COLUMNS.length} fields, found ${fields.length}`);
    const [id, yearText, title, abstract, authors, pdfUrl, src] = fields;
    if (!id.trim()) throw new UserError(`${where}: empty id`);
    const year = Number(yearText);
    if (!/^\d+$/.test(yearText.trim()) || year < YEAR_MIN || year > YEAR_MAX) {
      throw new UserError(`${where}: year must be an integer ${YEAR_MIN}-${YEAR_MAX}, got "${yearText}"`);
    }
    if (!squash(title)) throw new UserError(`${where}: empty title (id ${id})`);
    const clean = cleanAbstract(abstract);
    papers.push({
      index: papers.length,
      id: id.trim(),
      year,
      title: squash(title),
      abstract: clean,
      hasAbstract: clean !== "",
      authors: splitAuthors(authors),
      pdfUrl: pdfUrl.trim(),
      source: src.trim(),
      line,
    });
  }
  if (papers.length === 0) throw new UserError(`${source} has a header but no papers`);
  return papers;
}

/** Reads a papers CSV (plain, .gz or .xz) from any path. */
export async function readPapers(file: string): Promise<NeuripsPaper[]> {
  const bytes = await readDecompressed(file);
  return parsePapers(bytes.toString("utf8"), path.basename(file));
}

/** The catalogue's `neurips-papers` data set, located (user copy, then mirror) and checksum-verified. */
export async function loadPapers(): Promise<PaperSet> {
  const ds = await locate("neurips-papers");
  const file = ds.path(NEURIPS_FILE);
  return { papers: await readPapers(file), provenance: ds.provenance, file, dataset: ds };
}

export interface PaperStats {
  papers: number;
  withAbstract: number;
  withoutAbstract: number;
  /** Ids that occur more than once, with their count. */
  repeatedIds: Record<string, number>;
  years: [number, number];
}

export function paperStats(papers: readonly NeuripsPaper[]): PaperStats {
  const counts = new Map<string, number>();
  for (const p of papers) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
  const withAbstract = papers.filter((p) => p.hasAbstract).length;
  const years = papers.map((p) => p.year);
  return {
    papers: papers.length,
    withAbstract,
    withoutAbstract: papers.length - withAbstract,
    repeatedIds: Object.fromEntries([...counts].filter(([, c]) => c > 1)),
    years: [Math.min(...years), Math.max(...years)],
  };
}

/** Per year, ascending: papers with and without an abstract (the corpus chart of notebook 10). */
export function papersPerYear(papers: readonly NeuripsPaper[]): { year: number; withAbstract: number; withoutAbstract: number }[] {
  const by = new Map<number, { year: number; withAbstract: number; withoutAbstract: number }>();
  for (const p of papers) {
    const y = by.get(p.year) ?? { year: p.year, withAbstract: 0, withoutAbstract: 0 };
    if (p.hasAbstract) y.withAbstract++;
    else y.withoutAbstract++;
    by.set(p.year, y);
  }
  return [...by.values()].sort((a, b) => a.year - b.year);
}

/**
 * A deterministic slice for quick runs: the papers whose id hashes to 0 mod `every` (about 1 in `every`),
 * re-indexed 0..n-1 so that `index` is again the position (the tasks and the engine rely on it).
 */
export function slicePapers(papers: readonly NeuripsPaper[], every: number): NeuripsPaper[] {
  if (!Number.isInteger(every) || every < 1) throw new Error(`slicePapers: every must be a positive integer, got ${every}`);
  return papers.filter((p) => fnv1a(`slice:${p.id}`) % every === 0).map((p, index) => ({ ...p, index }));
}

/** Papers by id; a repeated id (6263) maps to all its rows. */
export function papersById(papers: readonly NeuripsPaper[]): Map<string, NeuripsPaper[]> {
  const m = new Map<string, NeuripsPaper[]>();
  for (const p of papers) {
    const list = m.get(p.id);
    if (list) list.push(p);
    else m.set(p.id, [p]);
  }
  return m;
}
