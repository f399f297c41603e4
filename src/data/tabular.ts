import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import pl, { type ReadCsvOptions as PolarsCsvOptions } from "nodejs-polars";
import { XzReadableStream } from "xz-decompress";
import { UserError } from "../errors";

/** A file's bytes, decompressed by extension (.xz through a wasm decoder, .gz through zlib). */
export async function readDecompressed(file: string): Promise<Buffer> {
  if (!fs.existsSync(file)) throw new UserError(`${file} does not exist`);
  if (file.endsWith(".gz")) return gunzipSync(fs.readFileSync(file));
  if (!file.endsWith(".xz")) return fs.readFileSync(file);
  const parts: Uint8Array[] = [];
  const stream = new XzReadableStream(Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream<Uint8Array>);
  try {
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) parts.push(chunk);
  } catch (e) {
    throw new UserError(`${file}: not a valid xz stream (${(e as Error).message})`);
  }
  return Buffer.concat(parts);
}

export type ReadCsvOptions = Partial<PolarsCsvOptions> & {
  /** Columns that must be present, in any order; a missing one is an error naming the file. */
  requireColumns?: string[];
};

/** Reads a CSV (plain, .gz or .xz) into a polars DataFrame, with errors that name the file. */
export async function readCsvFrame(file: string, options: ReadCsvOptions = {}): Promise<pl.DataFrame> {
  const { requireColumns, ...csvOptions } = options;
  const bytes = await readDecompressed(file);
  let df: pl.DataFrame;
  try {
    df = pl.readCSV(bytes, csvOptions);
  } catch (e) {
    throw new UserError(`malformed CSV ${path.basename(file)} (${file}): ${(e as Error).message}`);
  }
  const missing = (requireColumns ?? []).filter((c: string) => !df.columns.includes(c));
  if (missing.length) throw new UserError(`${file}: missing column(s) ${missing.join(", ")}; found ${df.columns.join(", ")}`);
  return df;
}
