/**
 * Gives each compliance-suite database its own key prefix on one shared cluster, so thousands of "fresh"
 * databases need not each start a cluster. Keys and bounds gain the prefix on the way in and lose it on
 * the way out; open bounds become the prefix's own range.
 */
import type { KvApi, ReadOptions } from "../../../src/kv/client/kv-api";
import type { Command, DelOp, PutOp, RangeBounds, RangeQuery, RangeResult, WriteResult } from "../../../src/kv/commands";

const enc = (b: Buffer) => b.toString("base64");

export class PrefixKv implements KvApi {
  private readonly prefix: Buffer;

  constructor(
    private readonly inner: () => Promise<KvApi>,
    prefix: string,
  ) {
    this.prefix = Buffer.from(prefix);
  }

  async write(cmd: Command): Promise<WriteResult> {
    const k = (key: string) => this.key(key);
    const op = (o: PutOp | DelOp): PutOp | DelOp => ({ ...o, key: k(o.key) });
    switch (cmd.op) {
      case "put":
      case "del":
        return (await this.inner()).write(op(cmd));
      case "batch":
        return (await this.inner()).write({ ...cmd, ops: cmd.ops.map(op) });
      case "txn":
        return (await this.inner()).write({ ...cmd, compare: cmd.compare.map((c) => ({ ...c, key: k(c.key) })), success: cmd.success.map(op), failure: cmd.failure.map(op) });
      case "delRange":
        return (await this.inner()).write({ ...cmd, ...this.bounds(cmd) });
    }
  }

  async range(q: RangeQuery, opts?: ReadOptions): Promise<RangeResult> {
    const { gt, gte, lt, lte, ...rest } = q;
    const r = await (await this.inner()).range({ ...rest, ...this.bounds({ gt, gte, lt, lte }) }, opts);
    return { ...r, kvs: r.kvs.map((kv) => ({ ...kv, key: enc(Buffer.from(kv.key, "base64").subarray(this.prefix.length)) })) };
  }

  async close(): Promise<void> {}

  private key(k: string): string {
    return enc(Buffer.concat([this.prefix, Buffer.from(k, "base64")]));
  }

  private bounds(b: RangeBounds): RangeBounds {
    const out: RangeBounds = {};
    if (b.gt !== undefined) out.gt = this.key(b.gt);
    else if (b.gte !== undefined) out.gte = this.key(b.gte);
    else out.gte = enc(this.prefix);
    if (b.lt !== undefined) out.lt = this.key(b.lt);
    else if (b.lte !== undefined) out.lte = this.key(b.lte);
    else out.lt = enc(prefixEnd(this.prefix));
    return out;
  }
}

/** Prefixes used here end in a byte below 0xff, so incrementing the last byte bounds the prefix range. */
function prefixEnd(p: Buffer): Buffer {
  const end = Buffer.from(p);
  end[end.length - 1] += 1;
  return end;
}
