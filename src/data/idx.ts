import * as fs from "node:fs";
import { UserError } from "../errors";

/** An idx array of unsigned bytes (the MNIST format): shape and data, row-major. */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/**
 * Parses an idx file of unsigned bytes: magic 0x0000 08 <ndims>, ndims big-endian uint32 sizes, data.
 * `expect` validates the magic's dimension count and any known sizes (null = any).
 */
export function parseIdx(buf: Uint8Array, file: string, expect?: (number | null)[]): IdxArray {
  const fail = (offset: number, what: string): never => {
    throw new UserError(`malformed idx file ${file} at byte offset ${offset}: ${what}`);
  };
  if (buf.length < 4) fail(0, `file is ${buf.length} bytes, shorter than the 4-byte magic number`);
  if (buf[0] !== 0 || buf[1] !== 0) fail(0, `magic number must start with two zero bytes, got 0x${hex(buf[0])}${hex(buf[1])}`);
  if (buf[2] !== UBYTE) fail(2, `data type 0x${hex(buf[2])} is not unsigned byte (0x08)`);
  const ndims = buf[3];
  if (expect && ndims !== expect.length) fail(3, `expected ${expect.length} dimensions, the magic number says ${ndims}`);
  const header = 4 + 4 * ndims;
  if (buf.length < header) fail(4, `file ends inside the ${ndims}-dimension header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndims; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    const want = expect?.[i];
    if (want != null && size !== want) fail(4 + 4 * i, `dimension ${i} is ${size}, expected ${want}`);
    shape.push(size);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== header + count) {
    fail(Math.min(buf.length, header + count), `header promises ${count} data bytes (${shape.join("x")}), file has ${buf.length - header}`);
  }
  // A plain Uint8Array view (not a Buffer, whatever the caller passed), so data compares and copies as bytes.
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + header, count) };
}

export function readIdx(file: string, expect?: (number | null)[]): IdxArray {
  return parseIdx(fs.readFileSync(file), file, expect);
}

/** Serialises bytes as an idx file (used by tests and for exporting slices). */
export function encodeIdx(shape: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * shape.length);
  const view = new DataView(header.buffer);
  header[2] = UBYTE;
  header[3] = shape.length;
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}
