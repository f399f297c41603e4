/**
 * The key-value commands of the distributed LevelDB (issue #6) and their results: the contract shared by
 * the state machine (src/kv/store), the server (src/kv/server) and the client (src/kv/client).
 *
 * Keys and values are bytes. Inside commands, Raft entries, snapshots and the server's JSON they travel
 * base64-encoded (`B64`), so binary data survives and keys sort bytewise as in LevelDB.
 *
 * Revisions (as in etcd): the store has one revision counter; every applied write command (put, del,
 * batch, txn, delRange) increments it by exactly one, whatever it changed, and every key it touched
 * records that revision as its `modRevision`. Reads report the revision they observed.
 */

/** Base64 of a byte string. */
export type B64 = string;

export interface PutOp {
  op: "put";
  key: B64;
  value: B64;
}

export interface DelOp {
  op: "del";
  key: B64;
}

/** A key range with LevelDB's bounds; omitted bounds are open. */
export interface RangeBounds {
  gt?: B64;
  gte?: B64;
  lt?: B64;
  lte?: B64;
}

export interface RangeQuery extends RangeBounds {
  /** Maximum number of keys returned; omitted or -1 means no limit. */
  limit?: number;
  reverse?: boolean;
  /** Omit values (cheaper scans). */
  keysOnly?: boolean;
}

/** A compare of a txn: the key's current `target` against `value`. A missing key has version 0, revisions 0, value absent. */
export interface Compare {
  key: B64;
  target: "value" | "version" | "modRevision" | "createRevision";
  result: "=" | "!=" | "<" | ">";
  /** B64 for target "value" (a missing key's value compares unequal to everything); a number otherwise. */
  value: B64 | number;
}

export interface BatchCommand {
  op: "batch";
  ops: Array<PutOp | DelOp>;
}

/** Compare-and-swap: if every compare holds, apply `success`, else `failure` (etcd's Txn, writes only). */
export interface TxnCommand {
  op: "txn";
  compare: Compare[];
  success: Array<PutOp | DelOp>;
  failure: Array<PutOp | DelOp>;
}

/** Deletes every key in a range (abstract-level's `clear`). `limit`/`reverse` as in RangeQuery. */
export interface DelRangeCommand extends RangeBounds {
  op: "delRange";
  limit?: number;
  reverse?: boolean;
}

export type WriteOp = PutOp | DelOp | BatchCommand | TxnCommand | DelRangeCommand;

/**
 * A write as it is proposed to Raft. With `client` and `seq`, a retry of the same (client, seq) returns
 * the first result instead of applying twice; a client's seq must increase (a lower one is refused as stale).
 */
export type Command = WriteOp & { client?: string; seq?: number };

export interface WriteResult {
  /** The store's revision after this command. */
  revision: number;
  /** txn only: whether the compares held (success branch applied). */
  succeeded?: boolean;
  /** del / delRange / batch / txn: number of keys that existed and were deleted. */
  deleted?: number;
}

export interface KeyValue {
  key: B64;
  /** Absent when the query asked for keysOnly. */
  value?: B64;
  createRevision: number;
  modRevision: number;
  /** Number of writes to the key since its creation (1 after the first put). */
  version: number;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** True when `limit` cut the result short. */
  more: boolean;
  /** The store revision the read observed. */
  revision: number;
}

/** One change seen by a watch; a batch or txn yields one event per key, all with the same revision. */
export interface WatchEvent {
  type: "put" | "del";
  key: B64;
  /** The new value for puts. */
  value?: B64;
  revision: number;
}
