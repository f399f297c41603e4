/**
 * Executes one write command at one revision against the database plus an overlay of the command's own
 * writes (so a batch sees its earlier ops), producing the LevelDB ops, the result and the watch events.
 * Nothing is written here: the caller puts the ops in the same batch as the meta and session records.
 */
import type { ClassicLevel } from "classic-level";
import type { Command, Compare, DelOp, DelRangeCommand, PutOp, WatchEvent, WriteResult } from "../commands";
import { b64, dataRange, decodeRecord, encodeRecord, NS, prefixed, unb64, type KeyRecord } from "./records";

export type BatchOp = { type: "put"; key: Buffer; value: Buffer } | { type: "del"; key: Buffer };

interface Touched {
  key: Buffer;
  /** Whether the key existed before this command (decides whether a final delete is an event). */
  existed: boolean;
  now: KeyRecord | null;
  /** False for keys only read by a compare: they produce no op and no event. */
  written: boolean;
}

export class WriteTx {
  private readonly touched = new Map<string, Touched>();
  private deleted = 0;

  constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly revision: number,
    private readonly where: string,
  ) {}

  async run(cmd: Command): Promise<WriteResult> {
    const rev = this.revision;
    switch (cmd.op) {
      case "put":
        await this.put(cmd);
        return { revision: rev };
      case "del":
        await this.del(cmd);
        return { revision: rev, deleted: this.deleted };
      case "batch":
        await this.ops(cmd.ops);
        return { revision: rev, deleted: this.deleted };
      case "txn": {
        let succeeded = true;
        for (const c of cmd.compare) {
          if (!(await this.holds(c))) {
            succeeded = false;
            break;
          }
        }
        await this.ops(succeeded ? cmd.success : cmd.failure);
        return { revision: rev, succeeded, deleted: this.deleted };
      }
      case "delRange":
        await this.delRange(cmd);
        return { revision: rev, deleted: this.deleted };
    }
  }

  /** Final state per touched key, in order of first touch. */
  batchOps(): BatchOp[] {
    return this.written().map((t) =>
      t.now ? { type: "put", key: prefixed(NS.DATA, t.key), value: encodeRecord(t.now) } : { type: "del", key: prefixed(NS.DATA, t.key) },
    );
  }

  /** One event per key whose final state differs from "absent before, absent after". */
  events(): WatchEvent[] {
    const out: WatchEvent[] = [];
    for (const t of this.written()) {
      if (t.now) out.push({ type: "put", key: b64(t.key), value: b64(t.now.value), revision: this.revision });
      else if (t.existed) out.push({ type: "del", key: b64(t.key), revision: this.revision });
    }
    return out;
  }

  private written(): Touched[] {
    return [...this.touched.values()].filter((t) => t.written);
  }

  private async ops(ops: Array<PutOp | DelOp>): Promise<void> {
    for (const op of ops) {
      if (op.op === "put") await this.put(op);
      else await this.del(op);
    }
  }

  private async entry(key: Buffer): Promise<Touched> {
    const id = key.toString("latin1"); // lossless byte -> char mapping
    let t = this.touched.get(id);
    if (!t) {
      // Synchronous: a LevelDB point read is microseconds (memtable, block cache), far less than the
      // thread-pool round trip of get(), and it sits on every write's critical path.
      const raw = this.db.getSync(prefixed(NS.DATA, key));
      const now = raw === undefined ? null : decodeRecord(raw, this.where);
      t = { key, existed: now !== null, now, written: false };
      this.touched.set(id, t);
    }
    return t;
  }

  private async put(op: PutOp): Promise<void> {
    const t = await this.entry(unb64(op.key));
    const value = unb64(op.value);
    t.written = true;
    t.now = t.now
      ? { createRevision: t.now.createRevision, modRevision: this.revision, version: t.now.version + 1, value }
      : { createRevision: this.revision, modRevision: this.revision, version: 1, value };
  }

  private async del(op: DelOp): Promise<void> {
    const t = await this.entry(unb64(op.key));
    if (t.now) this.deleted++;
    t.now = null;
    t.written = true;
  }

  /** As LevelDB's clear: bounds, limit (-1 = none) and reverse decide which keys go. Values are not read. */
  private async delRange(cmd: DelRangeCommand): Promise<void> {
    const limit = cmd.limit === undefined ? -1 : cmd.limit;
    if (limit === 0) return;
    for await (const k of this.db.keys({ ...dataRange(cmd), reverse: cmd.reverse === true, limit })) {
      const key = k.subarray(1);
      this.touched.set(key.toString("latin1"), { key, existed: true, now: null, written: true });
      this.deleted++;
    }
  }

  /** A missing key has version and revisions 0 and no value; a missing value is only "!=" to anything. */
  private async holds(c: Compare): Promise<boolean> {
    const rec = (await this.entry(unb64(c.key))).now;
    if (c.target === "value") {
      if (!rec) return c.result === "!=";
      return test(Buffer.compare(rec.value, unb64(c.value as string)), c.result);
    }
    const actual = rec ? rec[c.target] : 0;
    return test(Math.sign(actual - (c.value as number)), c.result);
  }
}

function test(cmp: number, result: Compare["result"]): boolean {
  switch (result) {
    case "=":
      return cmp === 0;
    case "!=":
      return cmp !== 0;
    case "<":
      return cmp < 0;
    case ">":
      return cmp > 0;
  }
}
