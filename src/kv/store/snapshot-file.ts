/**
 * The snapshot file: NDJSON, one JSON object per line, written through a stream and never held whole.
 *
 *   {"t":"meta","format":1,"appliedIndex":12,"appliedTerm":2,"revision":9}
 *   {"t":"session","client":"c1","seq":4,"result":{"revision":9},"lastIndex":12}     (by client id)
 *   {"t":"kv","k":"<b64>","v":"<b64>","c":3,"m":9,"ver":2}                            (bytewise key order)
 *   {"t":"end","sessions":1,"keys":1}
 *
 * The end line makes a truncated file detectable even without the checksum; the sha256 of the whole file
 * travels beside it (in the Raft snapshot metadata) and is verified before anything is changed.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UserError } from "../../errors";
import type { WriteResult } from "../commands";
import { CorruptStorageError } from "./errors";
import * as R from "./records";
import type { BatchOp } from "./write-tx";

export const SNAPSHOT_FORMAT = 1;

export interface MetaLine { t: "meta"; format: number; appliedIndex: number; appliedTerm: number; revision: number }
export interface SessionLine { t: "session"; client: string; seq: number; result: WriteResult; lastIndex: number }
export interface KvLine { t: "kv"; k: string; v: string; c: number; m: number; ver: number }
export interface EndLine { t: "end"; sessions: number; keys: number }
export type SnapshotLine = MetaLine | SessionLine | KvLine | EndLine;

/** Streams `lines` (each without its newline) to `file` atomically: temp file, fsync, rename, fsync dir. */
export async function writeNdjsonAtomic(file: string, lines: AsyncIterable<SnapshotLine>): Promise<{ bytes: number; sha256: string }> {
  const tmp = `${file}.tmp`;
  const hash = createHash("sha256");
  let bytes = 0;
  async function* encoded(): AsyncGenerator<Buffer> {
    for await (const line of lines) {
      const buf = Buffer.from(JSON.stringify(line) + "\n", "utf8");
      hash.update(buf);
      bytes += buf.length;
      yield buf;
    }
  }
  try {
    await pipeline(Readable.from(encoded()), createWriteStream(tmp));
    const fh = await open(tmp, "r+");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(file));
  return { bytes, sha256: hash.digest("hex") };
}

/** Makes a rename durable; some platforms cannot open a directory for fsync, which is then best effort. */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch {
    // not supported here (e.g. Windows): the rename is still atomic, only its durability is weaker
  } finally {
    await fh?.close();
  }
}

/**
 * Reads and validates the lines of a snapshot file in order. `digest.sha256` is set once the generator has
 * finished, covering every byte read. Structure errors name the file and line.
 */
export async function* readSnapshotLines(file: string, digest: { sha256?: string }): AsyncGenerator<SnapshotLine> {
  const hash = createHash("sha256");
  let rest = Buffer.alloc(0);
  let lineNo = 0;
  let stage = "meta" as "meta" | "body" | "done"; // "as": assigned in check(), so no narrowing here
  let sessions = 0;
  let keys = 0;
  const check = (raw: Buffer): SnapshotLine => {
    lineNo++;
    const where = `snapshot ${file} line ${lineNo}`;
    if (stage === "done") throw new UserError(`${where}: data after the end line`);
    const line = parseLine(raw, where);
    if (stage === "meta" && line.t !== "meta") throw new UserError(`${where}: expected the meta line first`);
    if (stage === "body" && line.t === "meta") throw new UserError(`${where}: a second meta line`);
    if (line.t === "session") sessions++;
    if (line.t === "kv") keys++;
    if (line.t === "end" && (line.sessions !== sessions || line.keys !== keys)) {
      throw new UserError(`${where}: end line counts ${line.sessions} sessions and ${line.keys} keys, the file has ${sessions} and ${keys}`);
    }
    stage = line.t === "end" ? "done" : "body";
    return line;
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let nl: number;
    while ((nl = data.indexOf(0x0a)) >= 0) {
      yield check(data.subarray(0, nl));
      data = data.subarray(nl + 1);
    }
    rest = Buffer.from(data); // copy: do not pin the whole chunk behind a short remainder
  }
  if (rest.length > 0) throw new UserError(`snapshot ${file}: the last line has no newline (truncated file?)`);
  if (stage !== "done") throw new UserError(`snapshot ${file}: no end line (truncated file?)`);
  digest.sha256 = hash.digest("hex");
}

/** The lines of a snapshot from one iterator over meta, sessions and data (a point-in-time view). */
export async function* stateLines(it: AsyncIterable<[Buffer, Buffer]>, dir: string, onMeta: (m: R.Meta) => void): AsyncGenerator<SnapshotLine> {
  let meta: R.Meta | undefined;
  let sessions = 0;
  let keys = 0;
  for await (const [k, v] of it) {
    if (k[0] === R.NS.META) {
      meta = R.parseMeta(v, dir);
      onMeta(meta);
      const { appliedIndex, appliedTerm, revision } = meta;
      yield { t: "meta", format: SNAPSHOT_FORMAT, appliedIndex, appliedTerm, revision };
    } else if (meta === undefined) {
      throw new CorruptStorageError(`${dir}: no meta record`);
    } else if (k[0] === R.NS.SESSION) {
      const s = R.parseSession(v, dir);
      sessions++;
      yield { t: "session", client: k.subarray(1).toString("utf8"), seq: s.seq, result: s.result, lastIndex: s.lastIndex };
    } else {
      const r = R.decodeRecord(v, dir);
      keys++;
      yield { t: "kv", k: R.b64(k.subarray(1)), v: R.b64(r.value), c: r.createRevision, m: r.modRevision, ver: r.version };
    }
  }
  yield { t: "end", sessions, keys };
}

/**
 * The filling pass of a restore (the database already cleared): writes sessions and keys in batches of
 * `batchSize`, re-checking the checksum as it goes. Returns the new meta (history restarts at its
 * revision), the sessions, and the last ops for the caller to write together with the meta.
 */
export async function fillFromSnapshot(
  db: R.Db,
  file: string,
  sha256: string,
  batchSize: number,
): Promise<{ meta: R.Meta; sessions: Array<[string, R.SessionRecord]>; ops: BatchOp[] }> {
  const digest: { sha256?: string } = {};
  const sessions: Array<[string, R.SessionRecord]> = [];
  let meta: R.Meta | undefined;
  let ops: BatchOp[] = [];
  for await (const line of readSnapshotLines(file, digest)) {
    if (line.t === "meta") {
      const { appliedIndex, appliedTerm, revision } = line;
      meta = { appliedIndex, appliedTerm, revision, compactedThrough: revision };
    } else if (line.t === "session") {
      const rec: R.SessionRecord = { seq: line.seq, result: line.result, lastIndex: line.lastIndex };
      sessions.push([line.client, rec]);
      ops.push({ type: "put", key: R.sessionKey(line.client), value: R.encodeJson(rec) });
    } else if (line.t === "kv") {
      const value = R.encodeRecord({ createRevision: line.c, modRevision: line.m, version: line.ver, value: R.unb64(line.v) });
      ops.push({ type: "put", key: R.prefixed(R.NS.DATA, R.unb64(line.k)), value });
    }
    if (ops.length >= batchSize) {
      await db.batch(ops);
      ops = [];
    }
  }
  if (digest.sha256 !== sha256 || !meta) throw new CorruptStorageError(`snapshot ${file} changed while it was being restored`);
  return { meta, sessions, ops };
}

const isStr = (x: unknown): x is string => typeof x === "string";

function parseLine(raw: Buffer, where: string): SnapshotLine {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new UserError(`${where}: not valid JSON`);
  }
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  const ok =
    (o.t === "meta" && o.format === SNAPSHOT_FORMAT && R.isCount(o.appliedIndex) && R.isCount(o.appliedTerm) && R.isCount(o.revision)) ||
    (o.t === "session" && isStr(o.client) && o.client !== "" && R.isCount(o.seq) && R.isWriteResult(o.result) && R.isCount(o.lastIndex)) ||
    (o.t === "kv" && isStr(o.k) && o.k !== "" && isStr(o.v) && R.isCount(o.c) && R.isCount(o.m) && R.isCount(o.ver)) ||
    (o.t === "end" && R.isCount(o.sessions) && R.isCount(o.keys));
  if (!ok) throw new UserError(`${where}: not a valid snapshot line (${raw.toString("utf8").slice(0, 120)})`);
  return o as unknown as SnapshotLine;
}
