/**
 * What the abstract-level adapter needs from a key-value service. `KvClient` implements it over HTTP
 * against a cluster; tests may implement it in memory. Keys and values are base64 (see commands.ts).
 */
import type { Command, RangeQuery, RangeResult, WriteResult } from "../commands";

export interface ReadOptions {
  /** Serve from the contacted node's applied state without a ReadIndex round (may be stale). */
  serializable?: boolean;
}

export interface KvApi {
  /** Applies one write command through the log (retried idempotently by the implementation). */
  write(cmd: Command): Promise<WriteResult>;
  /** A range read; `get` is a range with gte = lte = key. Linearizable unless `serializable`. */
  range(query: RangeQuery, opts?: ReadOptions): Promise<RangeResult>;
  close(): Promise<void>;
}
