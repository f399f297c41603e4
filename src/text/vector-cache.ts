import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { crc32 } from "node:zlib";

const MAGIC = Buffer.from("TXTVEC01");
const HEADER = 32; // magic 8, dim u32 4, reserved 4, sha256(model id) first 16
const KEY = 32;

/**
 * Sentence vectors on disk, keyed by content: key = sha256(model id + NUL + text), so a changed text or
 * model simply misses. One append-only file per model under the cache folder:
 *   header (32 bytes: magic, dim, model-id hash) then records [key 32 | dim float32 | crc32 of both 4].
 * Fixed-size records make a warm load one read plus a checksum per record (~22 MB for 10.6k abstracts,
 * well under a second); encoding appends each finished batch, so an interrupted cold run keeps its work.
 * Damage is contained: a record failing its checksum, a torn tail (a killed writer) or a foreign header
 * is dropped, counted in `stats`, the file rewritten with the good records, and the text re-encoded.
 * Concurrent writers are not coordinated; at worst their records tear, which the checksums catch.
 */
export class VectorCache {
  readonly file: string;
  readonly stats = { loaded: 0, corrupt: 0, truncatedBytes: 0, reset: false, appended: 0 };
  private readonly index = new Map<string, Float32Array>();
  private readonly recordBytes: number;
  private readonly modelHash: Buffer;

  private constructor(
    dir: string,
    readonly modelId: string,
    readonly dim: number,
  ) {
    this.file = path.join(dir, `${modelId.replace(/[^A-Za-z0-9._-]+/g, "_")}-${dim}.vec`);
    this.recordBytes = KEY + 4 * dim + 4;
    this.modelHash = createHash("sha256").update(modelId).digest().subarray(0, 16);
  }

  /** Opens (creating the folder if needed) and loads the cache of one model. */
  static open(dir: string, modelId: string, dim: number): VectorCache {
    fs.mkdirSync(dir, { recursive: true });
    const cache = new VectorCache(dir, modelId, dim);
    cache.load();
    return cache;
  }

  get size(): number {
    return this.index.size;
  }

  key(text: string): Buffer {
    return createHash("sha256").update(this.modelId).update("\0").update(text).digest();
  }

  /** A copy of the cached vector of this text, if any. */
  get(text: string): Float32Array | undefined {
    const v = this.index.get(this.key(text).toString("hex"));
    return v && Float32Array.from(v);
  }

  /** Appends texts[i]'s vector, vectors[i*dim .. (i+1)*dim), for each text not cached yet; one write. */
  putMany(texts: readonly string[], vectors: Float32Array): void {
    if (vectors.length !== texts.length * this.dim) throw new Error(`putMany: ${texts.length} texts but ${vectors.length / this.dim} vectors`);
    const parts: Buffer[] = [];
    texts.forEach((text, i) => {
      const key = this.key(text);
      const hex = key.toString("hex");
      if (this.index.has(hex)) return;
      const vec = vectors.slice(i * this.dim, (i + 1) * this.dim);
      const rec = Buffer.alloc(this.recordBytes);
      key.copy(rec, 0);
      Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength).copy(rec, KEY);
      rec.writeUInt32LE(crc32(rec.subarray(0, this.recordBytes - 4)), this.recordBytes - 4);
      parts.push(rec);
      this.index.set(hex, vec);
    });
    if (!parts.length) return;
    if (!fs.existsSync(this.file)) fs.writeFileSync(this.file, this.header());
    fs.appendFileSync(this.file, Buffer.concat(parts));
    this.stats.appended += parts.length;
  }

  private header(): Buffer {
    const h = Buffer.alloc(HEADER);
    MAGIC.copy(h, 0);
    h.writeUInt32LE(this.dim, 8);
    this.modelHash.copy(h, 16);
    return h;
  }

  private load(): void {
    if (!fs.existsSync(this.file)) return;
    const buf = fs.readFileSync(this.file);
    const header = this.header();
    if (buf.length < HEADER || !buf.subarray(0, HEADER).equals(header)) {
      this.stats.reset = true;
      fs.writeFileSync(this.file, header);
      return;
    }
    const good: Buffer[] = [];
    let off = HEADER;
    for (; off + this.recordBytes <= buf.length; off += this.recordBytes) {
      const rec = buf.subarray(off, off + this.recordBytes);
      if (crc32(rec.subarray(0, this.recordBytes - 4)) !== rec.readUInt32LE(this.recordBytes - 4)) {
        this.stats.corrupt++;
        continue;
      }
      const vec = new Float32Array(this.dim);
      Buffer.from(vec.buffer).set(rec.subarray(KEY, KEY + 4 * this.dim));
      this.index.set(rec.subarray(0, KEY).toString("hex"), vec);
      good.push(rec);
    }
    this.stats.truncatedBytes = buf.length - off;
    this.stats.loaded = this.index.size;
    // Rewrite without the damage, so later appends start on a record boundary (via a rename: atomic).
    if (this.stats.corrupt || this.stats.truncatedBytes) {
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.concat([header, ...good]));
      fs.renameSync(tmp, this.file);
    }
  }
}
