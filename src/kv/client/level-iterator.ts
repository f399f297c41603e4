/**
 * Iterators of the abstract-level adapter (level-adapter.ts): they page through `KvApi.range()`, one
 * page at a time, moving the bound past the last key seen. Each page is a separate (linearizable) read
 * of the live store, so an iterator sees writes made between pages: no implicit snapshot.
 */
import { AbstractIterator, AbstractKeyIterator, AbstractValueIterator } from "abstract-level";
import type { KeyValue, RangeQuery } from "../commands";
import type { KvApi, ReadOptions } from "./kv-api";

/** Base64 of bytes (Buffer or plain Uint8Array view). */
export function toB64(bytes: Uint8Array): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString("base64");
}

/** Bytes of a base64 string in the format abstract-level asked for: a Buffer, or a plain Uint8Array for "view". */
export function fromB64(b64: string, format: string): Uint8Array {
  const buf = Buffer.from(b64, "base64");
  return format === "view" ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf;
}

/** The options abstract-level passes to `_iterator`/`_keys`/`_values`: range bounds already encoded. */
export interface PrivateIteratorOptions {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  /** -1 for no limit. */
  limit: number;
  reverse: boolean;
  keys?: boolean;
  values?: boolean;
  keyEncoding: string;
  valueEncoding: string;
  signal?: AbortSignal;
}

/** What the iterators need from the database. */
export interface PagerConfig {
  kv: KvApi;
  pageSize: number;
  read?: ReadOptions;
}

/** abstract-level's LEVEL_ABORTED error (its own class is not exported). */
export class LevelAbortError extends Error {
  readonly code = "LEVEL_ABORTED";
  constructor() {
    super("Operation has been aborted");
  }
  override get name(): string {
    return "AbortError";
  }
}

interface Bound {
  key: Buffer;
  inclusive: boolean;
}

/** As in LevelDB, gte wins over gt (and lte over lt) when both are given. */
const bound = (gt: Uint8Array | undefined, gte: Uint8Array | undefined): Bound | undefined =>
  gte != null ? { key: Buffer.from(gte), inclusive: true } : gt != null ? { key: Buffer.from(gt), inclusive: false } : undefined;

/** The narrower of two bounds: `dir` 1 for lower bounds (larger wins), -1 for upper bounds (smaller wins). */
function narrower(a: Bound | undefined, b: Bound | undefined, dir: 1 | -1): Bound | undefined {
  if (!a || !b) return a ?? b;
  const c = Buffer.compare(a.key, b.key) * dir;
  return c > 0 ? a : c < 0 ? b : a.inclusive ? b : a;
}

/** Races a read against the iterator's abort signal. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new LevelAbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The paging state shared by the three iterator kinds. */
class Pager {
  private readonly lower0: Bound | undefined;
  private readonly upper0: Bound | undefined;
  /** Current bounds: the original ones narrowed by the cursor (last key seen) or a seek target. */
  private lower: Bound | undefined;
  private upper: Bound | undefined;
  private page: KeyValue[] = [];
  private pos = 0;
  /** The store said nothing is left past the current bounds. */
  private exhausted = false;

  constructor(
    private readonly cfg: PagerConfig,
    private readonly opts: PrivateIteratorOptions,
    private readonly keysOnly: boolean,
  ) {
    this.lower = this.lower0 = bound(opts.gt, opts.gte);
    this.upper = this.upper0 = bound(opts.lt, opts.lte);
  }

  /**
   * Up to `want` entries (fewer only at the end), fetching pages as needed. Pages hold at most
   * `remaining` entries (what the iterator's limit still allows), so no read goes past the limit.
   */
  async take(want: number, remaining: number): Promise<KeyValue[]> {
    const out: KeyValue[] = [];
    want = Math.min(want, remaining);
    while (out.length < want) {
      if (this.pos >= this.page.length) {
        if (this.exhausted) break;
        await this.fetch(remaining - out.length);
        continue;
      }
      const chunk = this.page.slice(this.pos, this.pos + (want - out.length));
      this.pos += chunk.length;
      out.push(...chunk);
    }
    return out;
  }

  /** Repositions at the first key >= target (<= target in reverse), within the original range. */
  seek(target: Uint8Array): void {
    const t: Bound = { key: Buffer.from(target), inclusive: true };
    this.lower = this.opts.reverse ? this.lower0 : narrower(this.lower0, t, 1);
    this.upper = this.opts.reverse ? narrower(this.upper0, t, -1) : this.upper0;
    this.page = [];
    this.pos = 0;
    this.exhausted = false;
  }

  private async fetch(remaining: number): Promise<void> {
    const q: RangeQuery = { limit: Math.min(this.cfg.pageSize, remaining), reverse: this.opts.reverse };
    if (this.keysOnly) q.keysOnly = true;
    if (this.lower) q[this.lower.inclusive ? "gte" : "gt"] = this.lower.key.toString("base64");
    if (this.upper) q[this.upper.inclusive ? "lte" : "lt"] = this.upper.key.toString("base64");
    const res = await abortable(this.cfg.kv.range(q, this.cfg.read), this.opts.signal);
    this.page = res.kvs;
    this.pos = 0;
    this.exhausted = !res.more || res.kvs.length === 0;
    const last = res.kvs[res.kvs.length - 1];
    if (last) {
      // The next page starts strictly past the last key seen, whatever was written meanwhile.
      const cursor: Bound = { key: Buffer.from(last.key, "base64"), inclusive: false };
      if (this.opts.reverse) this.upper = cursor;
      else this.lower = cursor;
    }
  }
}

type Entry = [Uint8Array | undefined, Uint8Array | undefined];

// The database type is left open: the iterators only hand `db` to abstract-level.
type AnyDb = any;

/** Remaining entries under the iterator's limit (`limit` is Infinity when unset). */
const left = (it: { limit: number; count: number }): number => it.limit - it.count;

export class RaftIterator extends AbstractIterator<AnyDb, Uint8Array, Uint8Array> {
  private readonly pager: Pager;
  private readonly entry: (kv: KeyValue) => Entry;

  constructor(db: AnyDb, opts: PrivateIteratorOptions, cfg: PagerConfig) {
    super(db, opts);
    const keys = opts.keys !== false;
    const values = opts.values !== false;
    this.pager = new Pager(cfg, opts, !values);
    this.entry = (kv) => [
      keys ? fromB64(kv.key, opts.keyEncoding) : undefined,
      values ? fromB64(kv.value ?? "", opts.valueEncoding) : undefined,
    ];
  }

  async _next(): Promise<Entry | undefined> {
    const [kv] = await this.pager.take(1, left(this));
    return kv && this.entry(kv);
  }

  async _nextv(size: number): Promise<Entry[]> {
    return (await this.pager.take(size, left(this))).map(this.entry);
  }

  async _all(): Promise<Entry[]> {
    return (await this.pager.take(Infinity, left(this))).map(this.entry);
  }

  _seek(target: Uint8Array): void {
    this.pager.seek(target);
  }
}

export class RaftKeyIterator extends AbstractKeyIterator<AnyDb, Uint8Array> {
  private readonly pager: Pager;
  private readonly key: (kv: KeyValue) => Uint8Array;

  constructor(db: AnyDb, opts: PrivateIteratorOptions, cfg: PagerConfig) {
    super(db, opts);
    this.pager = new Pager(cfg, opts, true);
    this.key = (kv) => fromB64(kv.key, opts.keyEncoding);
  }

  async _next(): Promise<Uint8Array | undefined> {
    const [kv] = await this.pager.take(1, left(this));
    return kv && this.key(kv);
  }

  async _nextv(size: number): Promise<Uint8Array[]> {
    return (await this.pager.take(size, left(this))).map(this.key);
  }

  async _all(): Promise<Uint8Array[]> {
    return (await this.pager.take(Infinity, left(this))).map(this.key);
  }

  _seek(target: Uint8Array): void {
    this.pager.seek(target);
  }
}

export class RaftValueIterator extends AbstractValueIterator<AnyDb, Uint8Array, Uint8Array> {
  private readonly pager: Pager;
  private readonly value: (kv: KeyValue) => Uint8Array;

  constructor(db: AnyDb, opts: PrivateIteratorOptions, cfg: PagerConfig) {
    super(db, opts);
    this.pager = new Pager(cfg, opts, false);
    this.value = (kv) => fromB64(kv.value ?? "", opts.valueEncoding);
  }

  async _next(): Promise<Uint8Array | undefined> {
    const [kv] = await this.pager.take(1, left(this));
    return kv && this.value(kv);
  }

  async _nextv(size: number): Promise<Uint8Array[]> {
    return (await this.pager.take(size, left(this))).map(this.value);
  }

  async _all(): Promise<Uint8Array[]> {
    return (await this.pager.take(Infinity, left(this))).map(this.value);
  }

  _seek(target: Uint8Array): void {
    this.pager.seek(target);
  }
}
