/**
 * The on-disk layout of the key-value state machine: one LevelDB, keys are raw bytes (keyEncoding 'buffer')
 * and the first byte names the namespace. The order of the prefixes is deliberate: meta, sessions and data
 * sort before history, so one iterator below HISTORY yields everything a snapshot needs, meta first.
 *
 *   0x01 "state"              -> JSON Meta
 *   0x02 <client id, utf8>    -> JSON SessionRecord
 *   0x03 <user key bytes>     -> KeyRecord (24-byte header + value bytes)
 *   0x04 <revision, u64 BE>   -> JSON WatchEvent[] of that revision
 */
import type { ClassicLevel } from "classic-level";
import type { RangeBounds, WriteResult } from "../commands";
import { CorruptStorageError } from "./errors";

export const NS = { META: 0x01, SESSION: 0x02, DATA: 0x03, HISTORY: 0x04, END: 0x05 } as const;

export const META_KEY = Buffer.from([NS.META, ...Buffer.from("state")]);

export const b64 = (buf: Uint8Array): string => Buffer.from(buf).toString("base64");
export const unb64 = (s: string): Buffer => Buffer.from(s, "base64");

export function prefixed(ns: number, rest: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(rest.length + 1);
  out[0] = ns;
  out.set(rest, 1);
  return out;
}

export const nsStart = (ns: number): Buffer => Buffer.from([ns]);

// ---- data records ----------------------------------------------------------------------------------

export interface KeyRecord {
  createRevision: number;
  modRevision: number;
  version: number;
  value: Buffer;
}

const HEADER = 24;

/** Three float64s (exact for every safe integer) then the value: no JSON, so values stay raw bytes. */
export function encodeRecord(r: KeyRecord): Buffer {
  const out = Buffer.allocUnsafe(HEADER + r.value.length);
  out.writeDoubleBE(r.createRevision, 0);
  out.writeDoubleBE(r.modRevision, 8);
  out.writeDoubleBE(r.version, 16);
  r.value.copy(out, HEADER);
  return out;
}

export function decodeRecord(buf: Buffer, where: string): KeyRecord {
  if (buf.length < HEADER) throw new CorruptStorageError(`${where}: key record is ${buf.length} bytes, shorter than its header`);
  return {
    createRevision: buf.readDoubleBE(0),
    modRevision: buf.readDoubleBE(8),
    version: buf.readDoubleBE(16),
    value: buf.subarray(HEADER),
  };
}

/** Iterator options for a user range inside the data namespace; absent bounds become the namespace's. */
export function dataRange(b: RangeBounds): { gt?: Buffer; gte?: Buffer; lt?: Buffer; lte?: Buffer } {
  const o: { gt?: Buffer; gte?: Buffer; lt?: Buffer; lte?: Buffer } = {};
  if (b.gt !== undefined) o.gt = prefixed(NS.DATA, unb64(b.gt));
  if (b.gte !== undefined) o.gte = prefixed(NS.DATA, unb64(b.gte));
  if (o.gt === undefined && o.gte === undefined) o.gte = nsStart(NS.DATA);
  if (b.lt !== undefined) o.lt = prefixed(NS.DATA, unb64(b.lt));
  if (b.lte !== undefined) o.lte = prefixed(NS.DATA, unb64(b.lte));
  if (o.lt === undefined && o.lte === undefined) o.lt = nsStart(NS.DATA + 1);
  return o;
}

// ---- history ---------------------------------------------------------------------------------------

export function historyKey(revision: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = NS.HISTORY;
  out.writeBigUInt64BE(BigInt(revision), 1);
  return out;
}

// ---- meta and sessions -----------------------------------------------------------------------------

export interface Meta {
  appliedIndex: number;
  appliedTerm: number;
  revision: number;
  /** History holds revisions > compactedThrough (a watch may start at compactedThrough + 1). */
  compactedThrough: number;
  /** Set while a snapshot restore is rewriting the database; found at open, it means the restore died. */
  restoring?: true;
}

export interface SessionRecord {
  seq: number;
  result: WriteResult;
  /** The index of the entry that last used the session: the LRU order, identical on every replica. */
  lastIndex: number;
}

export const isCount = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x) && x >= 0;

function parseJson(buf: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString("utf8"));
  } catch (err) {
    throw new CorruptStorageError(`${what} is not valid JSON`, { cause: err });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new CorruptStorageError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export function parseMeta(buf: Buffer, where: string): Meta {
  const m = parseJson(buf, `${where}: meta record`);
  for (const f of ["appliedIndex", "appliedTerm", "revision", "compactedThrough"]) {
    if (!isCount(m[f])) throw new CorruptStorageError(`${where}: meta record field ${f} is ${JSON.stringify(m[f])}, not a count`);
  }
  const meta = m as unknown as Meta;
  if (meta.compactedThrough > meta.revision) {
    throw new CorruptStorageError(`${where}: meta record compactedThrough ${meta.compactedThrough} > revision ${meta.revision}`);
  }
  if (m.restoring !== undefined && m.restoring !== true) throw new CorruptStorageError(`${where}: meta record field restoring is malformed`);
  return meta;
}

export function isWriteResult(x: unknown): x is WriteResult {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    isCount(r.revision) &&
    (r.deleted === undefined || isCount(r.deleted)) &&
    (r.succeeded === undefined || typeof r.succeeded === "boolean") &&
    Object.keys(r).every((k) => k === "revision" || k === "deleted" || k === "succeeded")
  );
}

export function parseSession(buf: Buffer, where: string): SessionRecord {
  const s = parseJson(buf, `${where}: session record`);
  if (!isCount(s.seq) || !isCount(s.lastIndex) || !isWriteResult(s.result)) {
    throw new CorruptStorageError(`${where}: session record ${buf.toString("utf8").slice(0, 200)} is malformed`);
  }
  return { seq: s.seq, result: s.result, lastIndex: s.lastIndex };
}

export const encodeJson = (x: unknown): Buffer => Buffer.from(JSON.stringify(x), "utf8");

export const sessionKey = (client: string): Buffer => prefixed(NS.SESSION, Buffer.from(client, "utf8"));

export type Db = ClassicLevel<Buffer, Buffer>;

/** Reads and validates meta and sessions at open; a fresh directory gets a zero meta (written synced). */
export async function loadState(dir: string, db: Db): Promise<[Meta, Array<[string, SessionRecord]>]> {
  const raw = await db.get(META_KEY);
  let meta: Meta;
  if (raw === undefined) {
    for await (const _ of db.keys({ limit: 1 })) throw new CorruptStorageError(`${dir}: the meta record is missing but the database holds data`);
    meta = { appliedIndex: 0, appliedTerm: 0, revision: 0, compactedThrough: 0 };
    await db.put(META_KEY, encodeJson(meta), { sync: true });
  } else {
    meta = parseMeta(raw, dir);
    if (meta.restoring) throw new CorruptStorageError(`${dir}: a snapshot restore was interrupted; the state is incomplete`);
  }
  const sessions: Array<[string, SessionRecord]> = [];
  for await (const [k, v] of db.iterator({ gte: nsStart(NS.SESSION), lt: nsStart(NS.DATA) })) {
    const client = k.subarray(1).toString("utf8");
    const s = parseSession(v, `${dir} (client ${client})`);
    if (s.lastIndex > meta.appliedIndex) {
      throw new CorruptStorageError(`${dir}: session of client ${client} was used at index ${s.lastIndex}, after appliedIndex ${meta.appliedIndex}`);
    }
    sessions.push([client, s]);
  }
  return [meta, sessions];
}
