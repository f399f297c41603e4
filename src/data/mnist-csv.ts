import * as fs from "node:fs";
import * as readline from "node:readline";
import { UserError } from "../errors";
import { MNIST_PIXELS, type MnistSplit } from "./mnist";

/**
 * The challenge's CSV format: `label,pixel0,...,pixel783`, pixel x at row floor(x/28), column x mod 28, 0-255.
 * Hand-parsed rather than through polars: 785 integer columns stream fast line by line, and every
 * malformed value is reported with its line and column.
 */
export const MNIST_CSV_HEADER = ["label", ...Array.from({ length: MNIST_PIXELS }, (_, i) => `pixel${i}`)].join(",");

export async function writeMnistCsv(file: string, split: MnistSplit): Promise<void> {
  const out = fs.createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r())));
  await write(MNIST_CSV_HEADER + "\n");
  for (let i = 0; i < split.n; i++) {
    const px = split.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS);
    await write(`${split.labels[i]},${px.join(",")}\n`);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export async function readMnistCsv(file: string): Promise<MnistSplit> {
  if (!fs.existsSync(file)) throw new UserError(`MNIST CSV ${file} does not exist`);
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  const chunks: Uint8Array[] = [];
  const labels: number[] = [];
  let lineNo = 0;
  for await (const raw of rl) {
    lineNo++;
    const line = raw.trimEnd();
    if (lineNo === 1) {
      // A UTF-8 byte-order mark (Excel writes one) is not part of the first column's name.
      if (line.replace(/^\uFEFF/, "").replace(/"/g, "") !== MNIST_CSV_HEADER) {
        throw new UserError(`${file}:1: header must be label,pixel0,...,pixel783; got "${line.slice(0, 60)}${line.length > 60 ? "..." : ""}"`);
      }
      continue;
    }
    if (line === "") continue;
    const cells = line.split(",");
    if (cells.length !== MNIST_PIXELS + 1) throw new UserError(`${file}:${lineNo}: expected ${MNIST_PIXELS + 1} values, found ${cells.length}`);
    const label = toInt(cells[0], 9, file, lineNo, "label");
    const px = new Uint8Array(MNIST_PIXELS);
    for (let j = 0; j < MNIST_PIXELS; j++) px[j] = toInt(cells[j + 1], 255, file, lineNo, `pixel${j}`);
    labels.push(label);
    chunks.push(px);
  }
  if (lineNo === 0) throw new UserError(`${file} is empty`);
  const images = new Uint8Array(chunks.length * MNIST_PIXELS);
  chunks.forEach((c, i) => images.set(c, i * MNIST_PIXELS));
  return { n: labels.length, images, labels: Uint8Array.from(labels) };
}

/** Plain decimal digits only: Number() alone would also take "1e2", "0x1F", "+5" or " 12". */
function toInt(cell: string, max: number, file: string, lineNo: number, column: string): number {
  const v = Number(cell);
  if (!/^\d{1,3}$/.test(cell) || v > max) {
    throw new UserError(`${file}:${lineNo}: ${column} must be an integer 0-${max}, got "${cell}"`);
  }
  return v;
}
