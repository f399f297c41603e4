/**
 * Client sessions for idempotent retries: per client, the last applied seq and its result. The table is
 * bounded: it keeps the `max` most recently used clients and evicts the least recently used. "Recent" is
 * the Raft index of the entry that last used the session (never the clock), so every replica evicts the
 * same clients; a Map in insertion order is the LRU list, rebuilt at open by sorting on lastIndex.
 *
 * An evicted client that retries an old seq is treated as new and applied again: the price of the bound
 * (etcd's lease-less clients have the same window). 10,000 clients retrying within 10,000 other clients'
 * writes covers ordinary use.
 */
import type { WriteResult } from "../commands";
import type { SessionRecord } from "./records";

export const DEFAULT_MAX_SESSIONS = 10_000;

export interface SessionChange {
  client: string;
  record: SessionRecord;
  evicted: string[];
}

export class SessionTable {
  private readonly map = new Map<string, SessionRecord>();

  constructor(readonly max: number) {}

  /** Loads stored records (any order); the caller holds them all, which the bound keeps small. */
  static load(max: number, records: Array<[string, SessionRecord]>): SessionTable {
    const t = new SessionTable(max);
    records.sort((a, b) => a[1].lastIndex - b[1].lastIndex);
    for (const [client, r] of records) t.map.set(client, r);
    return t;
  }

  get size(): number {
    return this.map.size;
  }

  get(client: string): SessionRecord | undefined {
    return this.map.get(client);
  }

  /** Plans a use of `client` at `index` without changing the table (commit() after the write succeeds). */
  plan(client: string, seq: number, result: WriteResult, index: number): SessionChange {
    const after = this.map.size + (this.map.has(client) ? 0 : 1);
    const evicted: string[] = [];
    if (after > this.max) {
      for (const c of this.map.keys()) {
        if (evicted.length >= after - this.max) break;
        if (c !== client) evicted.push(c);
      }
    }
    return { client, record: { seq, result, lastIndex: index }, evicted };
  }

  commit(change: SessionChange): void {
    for (const c of change.evicted) this.map.delete(c);
    this.map.delete(change.client); // re-insert: most recently used goes last
    this.map.set(change.client, change.record);
  }

  /** Least recently used first. */
  entries(): Array<[string, SessionRecord]> {
    return [...this.map.entries()];
  }
}
