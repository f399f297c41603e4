/**
 * A small in-memory `KvApi` with the semantics of src/kv/commands.ts, for testing the abstract-level
 * adapter until the real store exists. Keys are held as lowercase hex, whose string order is exactly
 * the bytewise order of the keys. `txn` is not supported.
 */
import type { Command, DelOp, KeyValue, PutOp, RangeBounds, RangeQuery, RangeResult, WriteResult } from "../../../src/kv/commands";
import type { KvApi } from "../../../src/kv/client/kv-api";

interface Entry {
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

const hex = (b64: string): string => Buffer.from(b64, "base64").toString("hex");
const b64 = (hx: string): string => Buffer.from(hx, "hex").toString("base64");

export class MemoryKv implements KvApi {
  private readonly data = new Map<string, Entry>();
  private revision = 0;
  private closed = false;
  /** Every write command received, in order (tests count and inspect them). */
  readonly writes: Command[] = [];
  /** Every range query received, in order. */
  readonly ranges: RangeQuery[] = [];

  async write(cmd: Command): Promise<WriteResult> {
    this.assertOpen();
    this.writes.push(cmd);
    let deleted = 0;
    const rev = this.revision + 1;
    switch (cmd.op) {
      case "put":
      case "del":
        deleted = this.apply([cmd], rev);
        break;
      case "batch":
        deleted = this.apply(cmd.ops, rev);
        break;
      case "delRange": {
        const keys = this.keysIn(cmd, cmd.reverse, cmd.limit);
        deleted = this.apply(keys.map((k) => ({ op: "del", key: b64(k) })), rev);
        break;
      }
      default:
        throw new Error(`MemoryKv: ${cmd.op} is not supported`);
    }
    this.revision = rev;
    return cmd.op === "put" ? { revision: rev } : { revision: rev, deleted };
  }

  async range(q: RangeQuery): Promise<RangeResult> {
    this.assertOpen();
    this.ranges.push(q);
    const all = this.keysIn(q, q.reverse);
    const limit = q.limit === undefined || q.limit < 0 ? Infinity : q.limit;
    const kvs = all.slice(0, limit).map((k): KeyValue => {
      const { value, ...meta } = this.data.get(k)!;
      return q.keysOnly ? { key: b64(k), ...meta } : { key: b64(k), value, ...meta };
    });
    return { kvs, more: all.length > kvs.length, revision: this.revision };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("MemoryKv is closed");
  }

  /** Applies puts/dels at one revision; returns how many existing keys were deleted. */
  private apply(ops: Array<PutOp | DelOp>, rev: number): number {
    let deleted = 0;
    for (const op of ops) {
      const k = hex(op.key);
      const old = this.data.get(k);
      if (op.op === "del") {
        if (this.data.delete(k)) deleted++;
      } else {
        this.data.set(k, {
          value: op.value,
          createRevision: old ? old.createRevision : rev,
          modRevision: rev,
          version: old ? old.version + 1 : 1,
        });
      }
    }
    return deleted;
  }

  /** Sorted hex keys within the bounds, reversed if asked, cut to `limit` if given (>= 0). */
  private keysIn(b: RangeBounds, reverse?: boolean, limit?: number): string[] {
    const gt = b.gt === undefined ? undefined : hex(b.gt);
    const gte = b.gte === undefined ? undefined : hex(b.gte);
    const lt = b.lt === undefined ? undefined : hex(b.lt);
    const lte = b.lte === undefined ? undefined : hex(b.lte);
    const keys = [...this.data.keys()]
      .filter((k) => (gt === undefined || k > gt) && (gte === undefined || k >= gte))
      .filter((k) => (lt === undefined || k < lt) && (lte === undefined || k <= lte))
      .sort();
    if (reverse) keys.reverse();
    return limit === undefined || limit < 0 ? keys : keys.slice(0, limit);
  }
}
