/**
 * `RaftLevel`: an abstract-level database over a `KvApi` (the distributed LevelDB), so code written for
 * LevelDB (level, sublevels, encodings, hooks) runs on the cluster.
 *
 * - Native encodings are `buffer` and `view`: keys and values are bytes, base64-encoded only at the KvApi
 *   boundary, so binary data round-trips and keys sort bytewise as in LevelDB. abstract-level transcodes
 *   utf8/json/... to bytes for us.
 * - Every write (put, del, batch, clear) is exactly one `write()` command, hence one Raft entry: a batch
 *   is atomic, and a clear is one `delRange`.
 * - Reads are `range()` calls; iterators page through the range (level-iterator.ts). Pages are separate
 *   reads of a live store, so there are no snapshots, implicit or explicit, and the manifest says so.
 * - The KvApi is not closed with the database unless `closeKv` is set: it is usually shared (a client of
 *   the cluster), and abstract-level allows re-opening a closed database.
 */
import { AbstractLevel, type AbstractDatabaseOptions } from "abstract-level";
import type { DelOp, PutOp } from "../commands";
import type { KvApi, ReadOptions } from "./kv-api";
import {
  fromB64,
  RaftIterator,
  RaftKeyIterator,
  RaftValueIterator,
  toB64,
  type PagerConfig,
  type PrivateIteratorOptions,
} from "./level-iterator";

export interface RaftLevelOptions<K, V> extends AbstractDatabaseOptions<K, V> {
  /** Keys fetched per `range()` call while iterating (default 256). */
  pageSize?: number;
  /** Close the KvApi when the database closes (default false: the caller owns it). */
  closeKv?: boolean;
  /** Serve reads from the contacted node's applied state, skipping the ReadIndex round (may be stale). */
  serializable?: boolean;
}

/** Encoding options abstract-level passes to private methods: always "buffer" or "view" here. */
interface Formats {
  keyEncoding: string;
  valueEncoding: string;
}

/** A batch operation as abstract-level passes it to `_batch` (already encoded, per-op formats). */
type PrivateBatchOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

const DEFAULT_PAGE_SIZE = 256;

export class RaftLevel<K = string, V = string> extends AbstractLevel<Uint8Array, K, V> {
  readonly kv: KvApi;
  private readonly cfg: PagerConfig;
  private readonly closeKv: boolean;

  constructor(kv: KvApi, options: RaftLevelOptions<K, V> = {}) {
    const { pageSize = DEFAULT_PAGE_SIZE, closeKv = false, serializable = false, ...levelOptions } = options;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    super(
      {
        encodings: { buffer: true, view: true },
        // A paged read of a live cluster is no snapshot (see the header).
        implicitSnapshots: false,
        explicitSnapshots: false,
        has: true,
        seek: true,
        // The cluster's keyspace always exists; there is nothing to create or refuse.
        createIfMissing: false,
        errorIfExists: false,
        permanence: true,
        signals: { iterators: true },
      },
      levelOptions,
    );
    const read: ReadOptions | undefined = serializable ? { serializable: true } : undefined;
    this.kv = kv;
    this.cfg = { kv, pageSize, read };
    this.closeKv = closeKv;
  }

  async _close(): Promise<void> {
    if (this.closeKv) await this.kv.close();
  }

  async _get(key: Uint8Array, options: Formats): Promise<Uint8Array | undefined> {
    const b64 = toB64(key);
    const { kvs } = await this.kv.range({ gte: b64, lte: b64, limit: 1 }, this.cfg.read);
    return kvs.length ? fromB64(kvs[0].value ?? "", options.valueEncoding) : undefined;
  }

  // One range per key, in parallel: the KvApi has no multi-get, and these are not a snapshot anyway.
  async _getMany(keys: Uint8Array[], options: Formats): Promise<Array<Uint8Array | undefined>> {
    return Promise.all(keys.map((k) => this._get(k, options)));
  }

  async _has(key: Uint8Array): Promise<boolean> {
    const b64 = toB64(key);
    const { kvs } = await this.kv.range({ gte: b64, lte: b64, limit: 1, keysOnly: true }, this.cfg.read);
    return kvs.length > 0;
  }

  async _hasMany(keys: Uint8Array[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this._has(k)));
  }

  async _put(key: Uint8Array, value: Uint8Array): Promise<void> {
    await this.kv.write({ op: "put", key: toB64(key), value: toB64(value) });
  }

  async _del(key: Uint8Array): Promise<void> {
    await this.kv.write({ op: "del", key: toB64(key) });
  }

  // abstract-level never calls this with an empty array; the whole batch is one atomic command.
  async _batch(operations: PrivateBatchOp[]): Promise<void> {
    const ops = operations.map((o): PutOp | DelOp =>
      o.type === "put" ? { op: "put", key: toB64(o.key), value: toB64(o.value) } : { op: "del", key: toB64(o.key) },
    );
    await this.kv.write({ op: "batch", ops });
  }

  // Not called with limit 0. One delRange, applied atomically by the state machine.
  async _clear(options: Omit<PrivateIteratorOptions, "keyEncoding" | "valueEncoding">): Promise<void> {
    const { gt, gte, lt, lte, limit, reverse } = options;
    await this.kv.write({
      op: "delRange",
      // As in LevelDB, gte wins over gt and lte over lt: send one bound per side.
      ...(gte != null ? { gte: toB64(gte) } : gt != null && { gt: toB64(gt) }),
      ...(lte != null ? { lte: toB64(lte) } : lt != null && { lt: toB64(lt) }),
      ...(limit >= 0 && { limit }),
      ...(reverse && { reverse }),
    });
  }

  _iterator(options: PrivateIteratorOptions): RaftIterator {
    return new RaftIterator(this, options, this.cfg);
  }

  _keys(options: PrivateIteratorOptions): RaftKeyIterator {
    return new RaftKeyIterator(this, options, this.cfg);
  }

  _values(options: PrivateIteratorOptions): RaftValueIterator {
    return new RaftValueIterator(this, options, this.cfg);
  }
}
