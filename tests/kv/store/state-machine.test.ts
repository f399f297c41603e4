import * as assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { UserError } from "../../../src/errors";
import type { Command, RangeQuery, WatchEvent, WriteResult } from "../../../src/kv/commands";
import { CorruptStorageError } from "../../../src/kv/store/errors";
import { LocalKv } from "../../../src/kv/store/local-kv";
import { KvStateMachine, StaleRequestError } from "../../../src/kv/store/state-machine";
import { rng } from "../../../src/util/random";

const b = (s: string | number[]): string => Buffer.from(typeof s === "string" ? Buffer.from(s) : s).toString("base64");
const s = (x: string | undefined): string | undefined => (x === undefined ? undefined : Buffer.from(x, "base64").toString());
const put = (key: string, value: string): Command => ({ op: "put", key: b(key), value: b(value) });
const del = (key: string): Command => ({ op: "del", key: b(key) });

/** A state machine with its own applied-index counter. */
class Sm {
  constructor(public sm: KvStateMachine) {}
  apply(cmd: Command | null, term = 1): Promise<WriteResult | undefined> {
    return this.sm.apply(this.sm.appliedIndex + 1, term, cmd);
  }
  async dump(q: RangeQuery = {}): Promise<Array<[string | undefined, string | undefined, number, number, number]>> {
    const r = await this.sm.range(q);
    return r.kvs.map((kv) => [s(kv.key), s(kv.value), kv.createRevision, kv.modRevision, kv.version]);
  }
  async keys(q: RangeQuery = {}): Promise<string[]> {
    return (await this.sm.range(q)).kvs.map((kv) => s(kv.key) as string);
  }
}

describe("kv/store KvStateMachine", () => {
  let root: string;
  const open: KvStateMachine[] = [];
  let n = 0;
  const dir = (): string => join(root, `db${n++}`);
  async function fresh(d = dir(), opts = {}): Promise<Sm> {
    const sm = await KvStateMachine.open(d, opts);
    open.push(sm);
    return new Sm(sm);
  }

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "kvsm-"));
  });
  afterEach(async () => {
    for (const sm of open.splice(0)) await sm.close();
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe("writes and revisions", () => {
    it("put/del bump the revision once each and track create/mod revision and version", async () => {
      const t = await fresh();
      assert.deepEqual(await t.apply(put("a", "1")), { revision: 1 });
      assert.deepEqual(await t.apply(put("a", "2")), { revision: 2 });
      assert.deepEqual(await t.dump(), [["a", "2", 1, 2, 2]]);
      assert.deepEqual(await t.apply(del("a")), { revision: 3, deleted: 1 });
      assert.deepEqual(await t.apply(del("a")), { revision: 4, deleted: 0 });
      assert.deepEqual(await t.apply(put("a", "3")), { revision: 5 });
      assert.deepEqual(await t.dump(), [["a", "3", 5, 5, 1]], "recreation resets createRevision and version");
      assert.equal(t.sm.revision, 5);
      assert.equal(t.sm.appliedIndex, 5);
    });

    it("a null entry only advances the applied index", async () => {
      const t = await fresh();
      await t.apply(put("a", "1"));
      assert.equal(await t.apply(null, 3), undefined);
      assert.equal(t.sm.appliedIndex, 2);
      assert.equal(t.sm.appliedTerm, 3);
      assert.equal(t.sm.revision, 1);
    });

    it("refuses an index that is not appliedIndex + 1", async () => {
      const t = await fresh();
      await assert.rejects(t.sm.apply(2, 1, put("a", "1")), /index 2 is not appliedIndex \+ 1 \(1\)/);
      await assert.rejects(t.sm.apply(0, 1, null), /index 0/);
      assert.equal(t.sm.appliedIndex, 0);
    });

    it("an invalid command is refused with a UserError but consumes its entry", async () => {
      const t = await fresh();
      await assert.rejects(t.apply({ op: "put", key: "not base64!", value: "" }), UserError);
      assert.equal(t.sm.appliedIndex, 1);
      assert.equal(t.sm.revision, 0);
    });

    it("batch applies ops in order at one revision", async () => {
      const t = await fresh();
      await t.apply(put("x", "0"));
      const r = await t.apply({ op: "batch", ops: [put("x", "1"), put("y", "1"), del("x"), put("z", "1"), put("z", "2"), del("w")] as never });
      assert.deepEqual(r, { revision: 2, deleted: 1 });
      assert.deepEqual(await t.dump(), [
        ["y", "1", 2, 2, 1],
        ["z", "2", 2, 2, 2],
      ]);
      assert.deepEqual(await t.apply({ op: "batch", ops: [] }), { revision: 3, deleted: 0 });
    });

    it("txn: every compare target and result, both branches, one revision even when the branch is empty", async () => {
      const t = await fresh();
      await t.apply(put("k", "m")); // rev 1
      await t.apply(put("k", "m")); // rev 2: create 1, mod 2, version 2
      const cases: Array<[string, "=" | "!=" | "<" | ">", string | number, boolean]> = [
        ["value", "=", b("m"), true],
        ["value", "!=", b("m"), false],
        ["value", "<", b("n"), true],
        ["value", ">", b("l"), true],
        ["value", ">", b("mm"), false],
        ["version", "=", 2, true],
        ["version", "<", 2, false],
        ["version", ">", 1, true],
        ["version", "!=", 2, false],
        ["modRevision", "=", 2, true],
        ["modRevision", ">", 2, false],
        ["createRevision", "=", 1, true],
        ["createRevision", "<", 2, true],
      ];
      for (const [target, result, value, holds] of cases) {
        const before = t.sm.revision;
        const r = await t.apply({
          op: "txn",
          compare: [{ key: b("k"), target: target as never, result, value }],
          success: [put("ok", `${target}${result}`) as never],
          failure: [put("no", `${target}${result}`) as never],
        });
        assert.equal(r?.succeeded, holds, `${target} ${result} ${value}`);
        assert.equal(r?.revision, before + 1);
        const hit = await t.dump({ gte: b(holds ? "ok" : "no"), lte: b(holds ? "ok" : "no") });
        assert.equal(hit[0][1], `${target}${result}`);
      }
      // A missing key: version/revisions 0, its value unequal to everything.
      const missing = async (target: string, result: "=" | "!=" | "<" | ">", value: string | number): Promise<boolean | undefined> =>
        (await t.apply({ op: "txn", compare: [{ key: b("none"), target: target as never, result, value }], success: [], failure: [] }))?.succeeded;
      assert.equal(await missing("version", "=", 0), true);
      assert.equal(await missing("createRevision", "=", 0), true);
      assert.equal(await missing("modRevision", ">", 0), false);
      assert.equal(await missing("value", "=", ""), false);
      assert.equal(await missing("value", "!=", b("x")), true);
      assert.equal(await missing("value", "<", b("x")), false);
      // Several compares: all must hold; deletes are counted; an empty branch still takes a revision.
      const rev = t.sm.revision;
      const r = await t.apply({
        op: "txn",
        compare: [
          { key: b("k"), target: "version", result: "=", value: 2 },
          { key: b("k"), target: "value", result: "=", value: b("other") },
        ],
        success: [],
        failure: [del("k") as never, del("none") as never],
      });
      assert.deepEqual(r, { revision: rev + 1, succeeded: false, deleted: 1 });
      assert.deepEqual(await t.keys({ gte: b("k"), lte: b("k") }), []);
    });

    it("delRange honours gt/gte/lt/lte, limit and reverse like LevelDB's clear", async () => {
      const t = await fresh();
      const all = ["a", "b", "c", "d", "e", "f"];
      const reset = async (): Promise<void> => {
        await t.apply({ op: "delRange" });
        await t.apply({ op: "batch", ops: all.map((k) => put(k, k)) as never });
      };
      const cases: Array<[Command, string[], number]> = [
        [{ op: "delRange" }, [], 6],
        [{ op: "delRange", gt: b("b"), lt: b("e") }, ["a", "b", "e", "f"], 2],
        [{ op: "delRange", gte: b("b"), lte: b("e") }, ["a", "f"], 4],
        [{ op: "delRange", gte: b("b"), limit: 2 }, ["a", "d", "e", "f"], 2],
        [{ op: "delRange", gte: b("b"), limit: 2, reverse: true }, ["a", "b", "c", "d"], 2],
        [{ op: "delRange", lt: b("c"), limit: -1, reverse: true }, ["c", "d", "e", "f"], 2],
        [{ op: "delRange", limit: 0 }, all, 0],
        [{ op: "delRange", gt: b("zz") }, all, 0],
      ];
      for (const [cmd, left, deleted] of cases) {
        await reset();
        const rev = t.sm.revision;
        assert.deepEqual(await t.apply(cmd), { revision: rev + 1, deleted }, JSON.stringify(cmd));
        assert.deepEqual(await t.keys(), left, JSON.stringify(cmd));
      }
    });
  });

  describe("range", () => {
    const bin = [[0x00], [0x7f], [0x80], [0xff], [0x80, 0x00]];
    const hex = (k: string): string => Buffer.from(k, "base64").toString("hex");
    async function binary(): Promise<Sm> {
      const t = await fresh();
      for (const k of bin) await t.apply({ op: "put", key: b(k), value: b(k.map(String).join(",")) });
      return t;
    }
    const keys = async (t: Sm, q: RangeQuery): Promise<string[]> => (await t.sm.range(q)).kvs.map((kv) => hex(kv.key));

    it("sorts binary keys bytewise and honours bounds", async () => {
      const t = await binary();
      assert.deepEqual(await keys(t, {}), ["00", "7f", "80", "8000", "ff"]);
      assert.deepEqual(await keys(t, { gt: b([0x00]), lt: b([0xff]) }), ["7f", "80", "8000"]);
      assert.deepEqual(await keys(t, { gte: b([0x7f]), lte: b([0x80]) }), ["7f", "80"]);
      assert.deepEqual(await keys(t, { gte: b([0x80]), lte: b([0x80]) }), ["80"], "a get is gte = lte = key");
      assert.deepEqual(await keys(t, { gt: b([0x80]) }), ["8000", "ff"]);
      assert.deepEqual(await keys(t, { gte: "" }), ["00", "7f", "80", "8000", "ff"], "an empty bound is open");
      assert.deepEqual(await keys(t, { gte: b([0x01]), lt: b([0x02]) }), []);
    });

    it("limit, more, reverse, keysOnly and the observed revision", async () => {
      const t = await binary();
      const r = await t.sm.range({ limit: 2, reverse: true });
      assert.deepEqual(r.kvs.map((kv) => hex(kv.key)), ["ff", "8000"]);
      assert.equal(r.more, true);
      assert.equal(r.revision, 5);
      assert.equal(r.kvs[0].value, b("255"));
      assert.deepEqual(r.kvs[0], { key: b([0xff]), value: b("255"), createRevision: 4, modRevision: 4, version: 1 });
      assert.equal((await t.sm.range({ limit: 5 })).more, false, "a limit reached exactly is not cut short");
      assert.equal((await t.sm.range({ limit: -1 })).kvs.length, 5);
      const zero = await t.sm.range({ limit: 0 });
      assert.deepEqual([zero.kvs, zero.more], [[], true]);
      assert.equal((await t.sm.range({ gt: b([0xff]), limit: 0 })).more, false);
      const ko = await t.sm.range({ keysOnly: true, lt: b([0x7f]) });
      assert.deepEqual(ko.kvs, [{ key: b([0x00]), createRevision: 1, modRevision: 1, version: 1 }]);
      assert.equal((await fresh()).sm.revision, 0);
    });
  });

  describe("sessions", () => {
    const withSeq = (cmd: Command, client: string, seq: number): Command => ({ ...cmd, client, seq });

    it("a retry of the same seq returns the first result without applying, even after reopen", async () => {
      const d = dir();
      let t = await fresh(d);
      const first = await t.apply(withSeq(put("a", "1"), "c1", 1));
      assert.deepEqual(first, { revision: 1 });
      await t.apply(put("b", "x"));
      assert.deepEqual(await t.apply(withSeq(put("a", "1"), "c1", 1)), first);
      assert.equal(t.sm.revision, 2, "the retry did not apply");
      assert.equal(t.sm.appliedIndex, 3, "the retry consumed its entry");
      assert.deepEqual(await t.dump({ gte: b("a"), lte: b("a") }), [["a", "1", 1, 1, 1]]);
      const txn = await t.apply(withSeq({ op: "txn", compare: [], success: [del("a") as never], failure: [] }, "c1", 5));
      assert.deepEqual(txn, { revision: 3, succeeded: true, deleted: 1 });
      await t.sm.close();
      t = await fresh(d);
      assert.deepEqual(await t.apply(withSeq({ op: "txn", compare: [], success: [], failure: [] }, "c1", 5)), txn);
      assert.equal(t.sm.revision, 3);
    });

    it("a lower seq is refused as stale and consumes its entry; a higher seq applies", async () => {
      const t = await fresh();
      await t.apply(withSeq(put("a", "1"), "c1", 3));
      await assert.rejects(t.apply(withSeq(put("a", "old"), "c1", 2)), (err: unknown) => {
        assert.ok(err instanceof StaleRequestError && err instanceof UserError);
        assert.match(err.message, /stale request: client c1 seq 2 is below its last applied seq 3/);
        return true;
      });
      assert.equal(t.sm.appliedIndex, 2);
      assert.equal(t.sm.revision, 1);
      assert.deepEqual(await t.apply(withSeq(put("a", "2"), "c1", 7)), { revision: 2 });
      assert.deepEqual(await t.apply(withSeq(put("a", "3"), "c2", 0)), { revision: 3 }, "clients are independent");
      assert.deepEqual((await t.dump())[0].slice(0, 2), ["a", "3"]);
    });

    it("keeps the most recently used clients and evicts the least recently used", async () => {
      const d = dir();
      let t = await fresh(d, { maxSessions: 2 });
      await t.apply(withSeq(put("a", "1"), "c1", 1));
      await t.apply(withSeq(put("a", "2"), "c2", 1));
      await t.apply(withSeq(put("a", "1"), "c1", 1)); // retry: touches c1
      await t.apply(withSeq(put("a", "3"), "c3", 1)); // evicts c2
      assert.deepEqual(t.sm.sessionList().map((x) => [x.client, x.lastIndex]), [["c1", 3], ["c3", 4]]);
      await t.sm.close();
      t = await fresh(d, { maxSessions: 2 });
      assert.deepEqual(t.sm.sessionList().map((x) => x.client), ["c1", "c3"], "LRU order survives reopen");
      assert.deepEqual(await t.apply(withSeq(put("a", "2"), "c2", 1)), { revision: 4 }, "an evicted client is new again");
      assert.deepEqual(t.sm.sessionList().map((x) => x.client), ["c3", "c2"]);
    });
  });

  it("is deterministic: two replicas given the same entries agree on results, data, sessions and history", async () => {
    const r1 = await fresh();
    const r2 = await fresh();
    const rand = rng(7);
    const key = (): string => b([Math.floor(rand() * 4), Math.floor(rand() * 3) * 0x7f]);
    const op = (): Command => {
      const x = rand();
      if (x < 0.4) return { op: "put", key: key(), value: b(String(rand())) };
      if (x < 0.55) return { op: "del", key: key() };
      if (x < 0.7) return { op: "batch", ops: [{ op: "put", key: key(), value: b("v") }, { op: "del", key: key() }] };
      if (x < 0.85) {
        return {
          op: "txn",
          compare: [{ key: key(), target: "version", result: ">", value: 1 }],
          success: [{ op: "put", key: key(), value: b("s") }],
          failure: [{ op: "del", key: key() }],
        };
      }
      return { op: "delRange", gte: key(), limit: 1, reverse: rand() < 0.5 };
    };
    for (let i = 0; i < 200; i++) {
      const cmd = i % 17 === 0 ? null : { ...op(), client: `c${i % 5}`, seq: Math.floor(i / 5) - (i % 23 === 0 ? 1 : 0) };
      const [a, bb] = await Promise.all([r1.apply(cmd).catch((e: Error) => e.message), r2.apply(cmd).catch((e: Error) => e.message)]);
      assert.deepEqual(a, bb, `entry ${i}`);
    }
    assert.deepEqual(await r1.dump(), await r2.dump());
    assert.deepEqual(r1.sm.sessionList(), r2.sm.sessionList());
    assert.deepEqual(await r1.sm.history(1), await r2.sm.history(1));
    assert.equal(r1.sm.revision, r2.sm.revision);
  });

  it("recovers appliedIndex, term, revision and data after a restart", async () => {
    const d = dir();
    let t = await fresh(d);
    await t.apply(put("a", "1"), 2);
    await t.apply(null, 3);
    await t.apply(put("b", "2"), 3);
    await t.sm.checkpoint();
    await t.sm.close();
    t = await fresh(d);
    assert.deepEqual([t.sm.appliedIndex, t.sm.appliedTerm, t.sm.revision], [3, 3, 2]);
    assert.deepEqual(await t.keys(), ["a", "b"]);
    assert.deepEqual(await t.apply(put("c", "3")), { revision: 3 });
    await assert.rejects(t.sm.range({}).then(() => t.sm.close()).then(() => t.sm.range({})), /closed/);
  });

  it("hands out a result before its batch is written, and a read issued then still sees the write", async () => {
    const t = await fresh();
    await t.apply(put("a", "1"));
    let early: WriteResult | undefined;
    let seen: Promise<string[]> | undefined;
    const applied = t.sm.apply(2, 1, put("b", "2"), (r) => {
      early = r;
      assert.equal(t.sm.appliedIndex, 1, "the result arrives before the batch is written");
      seen = t.keys();
    });
    const result = await applied;
    assert.deepEqual(early, { revision: 2 });
    assert.deepEqual(result, early);
    assert.deepEqual(await seen, ["a", "b"]);
    assert.equal(t.sm.appliedIndex, 2);
  });

  describe("watch", () => {
    it("keeps per-revision history, notifies subscribers, and reports compaction", async () => {
      const t = await fresh(dir(), { historyRevisions: 3 });
      const seen: WatchEvent[][] = [];
      const stop = t.sm.subscribe((ev) => seen.push(ev));
      await t.apply(put("a", "1")); // 1
      await t.apply({ op: "batch", ops: [put("b", "1"), put("c", "1"), del("a"), del("zz")] as never }); // 2
      await t.apply(del("nothing")); // 3: no event
      assert.deepEqual(seen, [
        [{ type: "put", key: b("a"), value: b("1"), revision: 1 }],
        [
          { type: "put", key: b("b"), value: b("1"), revision: 2 },
          { type: "put", key: b("c"), value: b("1"), revision: 2 },
          { type: "del", key: b("a"), revision: 2 },
        ],
      ]);
      assert.deepEqual(await t.sm.history(1), seen.flat());
      assert.deepEqual(await t.sm.history(2), seen[1]);
      assert.deepEqual(await t.sm.history(4), []);
      await t.apply({ op: "delRange", gte: b("b") }); // 4: compacts revision 1
      assert.equal(seen.length, 3);
      assert.deepEqual(seen[2].map((e) => [e.type, s(e.key), e.revision]), [["del", "b", 4], ["del", "c", 4]]);
      await assert.rejects(t.sm.history(1), (err: unknown) => err instanceof UserError && /compacted: oldest retained revision is 2/.test(err.message));
      assert.deepEqual(await t.sm.history(2), [...seen[1], ...seen[2]]);
      assert.equal(t.sm.oldestRetainedRevision, 2);
      stop();
      await t.apply(put("x", "1"));
      assert.equal(seen.length, 3, "unsubscribed");
      await assert.rejects(t.sm.history(0), /fromRevision/);
      // Only the last 3 revisions stay in the database.
      await t.sm.close();
      const raw = new ClassicLevel<Buffer, Buffer>(t.sm.dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
      const hist = await raw.keys({ gte: Buffer.from([0x04]), lt: Buffer.from([0x05]) }).all();
      await raw.close();
      assert.deepEqual(hist.map((k) => Number(k.readBigUInt64BE(1))), [4, 5]);
    });
  });

  describe("snapshots", () => {
    async function populated(): Promise<Sm> {
      const t = await fresh();
      await t.apply({ ...put("a", "1"), client: "c1", seq: 1 });
      await t.apply({ op: "put", key: b([0xff, 0x00]), value: b([0, 1, 2, 255]), client: "c2", seq: 9 });
      await t.apply({ op: "batch", ops: [put("b", "2"), put("c", "3"), put("a", "4")] as never });
      await t.apply(del("c"), 2);
      await t.apply(null, 2);
      return t;
    }

    it("write then restore into a fresh directory gives the same data, meta and sessions", async () => {
      const src = await populated();
      const file = join(root, "snap1.ndjson");
      const info = await src.sm.writeSnapshot(file);
      assert.deepEqual([info.index, info.term, info.revision], [5, 2, 4]);
      assert.equal(info.bytes, (await readFile(file)).length);
      assert.match(info.sha256, /^[0-9a-f]{64}$/);
      const lines = (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines[0], { t: "meta", format: 1, appliedIndex: 5, appliedTerm: 2, revision: 4 });
      assert.deepEqual(lines.at(-1), { t: "end", sessions: 2, keys: 3 });

      const dst = await fresh();
      await dst.apply(put("stale", "gone"));
      assert.deepEqual(await dst.sm.restoreSnapshot(file, { sha256: info.sha256 }), { index: 5, term: 2, revision: 4 });
      assert.deepEqual(await dst.dump(), await src.dump());
      assert.deepEqual([dst.sm.appliedIndex, dst.sm.appliedTerm, dst.sm.revision], [5, 2, 4]);
      assert.deepEqual(dst.sm.sessionList(), src.sm.sessionList());
      // History restarts at the snapshot revision; dedup still works; applies continue from the index.
      await assert.rejects(dst.sm.history(4), /oldest retained revision is 5/);
      assert.deepEqual(await dst.sm.history(5), []);
      assert.deepEqual(await dst.apply({ op: "put", key: b([0xff, 0x00]), value: b("retry"), client: "c2", seq: 9 }), { revision: 2 });
      assert.deepEqual(await dst.apply(put("d", "5")), { revision: 5 });
      assert.deepEqual(await dst.sm.history(5), [{ type: "put", key: b("d"), value: b("5"), revision: 5 }]);
      // And it all survives a reopen.
      const d = dst.sm.dir;
      await dst.sm.close();
      const again = await fresh(d);
      assert.deepEqual([again.sm.appliedIndex, again.sm.revision, again.sm.sessionList().length], [7, 5, 2]);
    });

    it("refuses a corrupted or truncated snapshot and changes nothing", async () => {
      const src = await populated();
      const file = join(root, "snap2.ndjson");
      const info = await src.sm.writeSnapshot(file);
      const bytes = await readFile(file);
      const dst = await fresh();
      await dst.apply({ ...put("keep", "me"), client: "x", seq: 1 });
      const before = [await dst.dump(), dst.sm.sessionList(), dst.sm.appliedIndex, dst.sm.revision];

      const flipped = Buffer.from(bytes);
      flipped[flipped.indexOf("4")] = "5".charCodeAt(0); // still valid JSON, wrong checksum
      const bad = join(root, "bad.ndjson");
      await writeFile(bad, flipped);
      await assert.rejects(dst.sm.restoreSnapshot(bad, { sha256: info.sha256 }), (err: unknown) =>
        err instanceof UserError && /checksum mismatch.*nothing was changed/.test(err.message));
      await writeFile(bad, bytes.subarray(0, bytes.length - 10));
      await assert.rejects(dst.sm.restoreSnapshot(bad, { sha256: info.sha256 }), /truncated/);
      await assert.rejects(dst.sm.restoreSnapshot(file, { sha256: "0".repeat(64) }), /checksum mismatch/);
      assert.deepEqual([await dst.dump(), dst.sm.sessionList(), dst.sm.appliedIndex, dst.sm.revision], before);
      assert.deepEqual(await dst.apply(put("more", "1")), { revision: 2 }, "still usable");
    });

    it("a snapshot is a point-in-time view while applies continue", async () => {
      const t = await fresh();
      await t.apply({ op: "batch", ops: Array.from({ length: 3000 }, (_, i) => put(`k${String(i).padStart(5, "0")}`, "v")) as never });
      const file = join(root, "snap3.ndjson");
      const writing = t.sm.writeSnapshot(file);
      await t.apply({ op: "delRange" });
      const info = await writing;
      assert.equal(info.revision, 1);
      const dst = await fresh();
      await dst.sm.restoreSnapshot(file, info);
      assert.equal((await dst.sm.range({ keysOnly: true })).kvs.length, 3000);
    });
  });

  describe("corruption", () => {
    it("a malformed meta record is a CorruptStorageError naming the directory", async () => {
      const d = dir();
      const raw = new ClassicLevel<Buffer, Buffer>(d, { keyEncoding: "buffer", valueEncoding: "buffer" });
      await raw.put(Buffer.from("\x01state", "latin1"), Buffer.from("{not json"));
      await raw.close();
      await assert.rejects(KvStateMachine.open(d), (err: unknown) =>
        err instanceof CorruptStorageError && err.message.includes(d) && /meta record is not valid JSON/.test(err.message));
      const raw2 = new ClassicLevel<Buffer, Buffer>(d, { keyEncoding: "buffer", valueEncoding: "buffer" });
      await raw2.put(Buffer.from("\x01state", "latin1"), Buffer.from('{"appliedIndex":-1}'));
      await raw2.close();
      await assert.rejects(KvStateMachine.open(d), /appliedIndex is -1, not a count/);
      const raw3 = new ClassicLevel<Buffer, Buffer>(d, { keyEncoding: "buffer", valueEncoding: "buffer" });
      const meta = { appliedIndex: 1, appliedTerm: 1, revision: 1, compactedThrough: 0, restoring: true };
      await raw3.put(Buffer.from("\x01state", "latin1"), Buffer.from(JSON.stringify(meta)));
      await raw3.close();
      await assert.rejects(KvStateMachine.open(d), (err: unknown) =>
        err instanceof CorruptStorageError && /snapshot restore was interrupted/.test(err.message));
    });

    it("a damaged LevelDB directory is a CorruptStorageError with the cause kept", async () => {
      const d = dir();
      const t = await fresh(d);
      await t.apply(put("a", "1"));
      await t.sm.close();
      await writeFile(join(d, "CURRENT"), "MANIFEST-999999\n");
      await assert.rejects(KvStateMachine.open(d), (err: unknown) =>
        err instanceof CorruptStorageError && err.message.includes(d) && (err as Error).cause !== undefined);
    });

    it("a locked directory is a plain UserError, not corruption", async () => {
      const t = await fresh();
      await assert.rejects(KvStateMachine.open(t.sm.dir), (err: unknown) =>
        err instanceof UserError && !(err instanceof CorruptStorageError) && /locked/.test(err.message));
    });
  });

  describe("LocalKv", () => {
    it("validates, applies with its own index and reads", async () => {
      const d = dir();
      let kv = await LocalKv.open(d);
      assert.deepEqual(await Promise.all([kv.write(put("a", "1")), kv.write(put("b", "2"))]), [{ revision: 1 }, { revision: 2 }]);
      await assert.rejects(kv.write({ op: "put", key: b("a") } as never), /command.value must be a base64 string/);
      await assert.rejects(kv.range({ limit: 1.5 }), /query.limit/);
      assert.deepEqual((await kv.range({ gte: b("b") })).kvs.map((x) => s(x.key)), ["b"]);
      await kv.close();
      kv = await LocalKv.open(d);
      assert.deepEqual(await kv.write(del("a")), { revision: 3, deleted: 1 });
      assert.equal(kv.stateMachine.appliedIndex, 3);
      await kv.close();
    });
  });
});
