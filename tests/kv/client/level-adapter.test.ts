import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import type { RangeQuery } from "../../../src/kv/commands";
import type { ReadOptions } from "../../../src/kv/client/kv-api";
import { RaftLevel } from "../../../src/kv/client/level-adapter";
import { MemoryKv } from "./memory-kv";

const root = path.resolve(__dirname, "../../..");
const hex = (h: string): Buffer => Buffer.from(h, "hex");
const pad = (i: number): string => String(i).padStart(2, "0");

/** Runs the tape compliance program and returns its exit code and TAP output. */
function runCompliance(env: Record<string, string>): Promise<{ code: number; tap: string }> {
  const file = path.join(root, "tests/kv/client/level-compliance.ts");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", file],
      { cwd: root, env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, tap: stdout + (stderr ? `\n${stderr}` : "") });
      },
    );
  });
}

/** The failing assertions of a TAP stream, each with its test's name and YAML diagnostics. */
function failures(tap: string): string[] {
  const out: string[] = [];
  let name = "";
  const lines = tap.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith("# ")) name = lines[i].slice(2);
    if (!lines[i].startsWith("not ok")) continue;
    const block = [`${name}: ${lines[i]}`];
    if (lines[i + 1]?.trim() === "---") {
      for (let j = i + 1; j < lines.length && j < i + 15; j++) {
        block.push(lines[j]);
        if (lines[j].trim() === "...") break;
      }
    }
    out.push(block.join("\n"));
  }
  return out;
}

/** A count from the TAP footer (`# tests N`, `# pass N`, `# fail N`); tape omits `# fail` when there is none. */
const summary = (tap: string, what: string): number =>
  Number(tap.match(new RegExp(`^# ${what}\\s+(\\d+)$`, "m"))?.[1] ?? (what === "fail" ? 0 : NaN));

describe("kv/client RaftLevel: abstract-level compliance suite", function () {
  // Observed: 4332 assertions, all passing, on the memory fake at page sizes 1, 3 and 256, on LocalKv,
  // and on a real 3-node cluster (about 60 s on 2 cores).
  const MIN_PASS = 4300;

  for (const [backend, pageSize] of [["memory", "3"], ["memory", "1"], ["cluster", "3"]]) {
    it(`passes abstract-level/test with page size ${pageSize} on backend ${backend}`, async function () {
      this.timeout(300_000);
      const { code, tap } = await runCompliance({ KV_COMPLIANCE_BACKEND: backend, KV_COMPLIANCE_PAGE_SIZE: pageSize });
      const failed = failures(tap);
      if (failed.length || code !== 0) console.error(failed.slice(0, 30).join("\n\n") || tap.slice(-4000));
      assert.equal(failed.length, 0, `${failed.length} failing assertions`);
      assert.equal(code, 0, "tape exit code");
      assert.equal(summary(tap, "fail"), 0, "# fail");
      assert.match(tap, /^# ok$/m, "TAP footer says ok");
      assert.equal(summary(tap, "tests"), summary(tap, "pass"), "# tests = # pass (no skips or todos)");
      assert.ok(summary(tap, "pass") >= MIN_PASS, `# pass ${summary(tap, "pass")} < ${MIN_PASS}`);
    });
  }
});

/** A MemoryKv that also records read options. */
class SpyKv extends MemoryKv {
  readonly readOpts: Array<ReadOptions | undefined> = [];
  override async range(q: RangeQuery, opts?: ReadOptions) {
    this.readOpts.push(opts);
    return super.range(q);
  }
}

describe("kv/client RaftLevel", () => {
  it("stores binary keys and values and iterates them in bytewise order", async () => {
    const db = new RaftLevel<Buffer, Buffer>(new MemoryKv(), { keyEncoding: "buffer", valueEncoding: "buffer" });
    const keys = ["ff00", "00", "80", "0000", "7f", "ff", "01", "c3a9", "7a"].map(hex);
    await db.batch(keys.map((k, i) => ({ type: "put" as const, key: k, value: Buffer.from([0xff, 0xfe, i]) })));
    const entries = await db.iterator().all();
    const sorted = [...keys].sort(Buffer.compare);
    assert.deepEqual(entries.map(([k]) => k.toString("hex")), sorted.map((k) => k.toString("hex")));
    for (const [k, v] of entries) assert.deepEqual(v, Buffer.from([0xff, 0xfe, keys.findIndex((x) => x.equals(k))]));
    // utf8 keys sort by their bytes: "z" (7a) before "é" (c3 a9), unlike UTF-16 order of "Z" and "é" etc.
    const text = new RaftLevel(new MemoryKv());
    await text.batch(["é", "z", "Z", "\u{1F600}", "\uFFFF"].map((k) => ({ type: "put" as const, key: k, value: "" })));
    assert.deepEqual(await text.keys().all(), ["Z", "z", "é", "\uFFFF", "\u{1F600}"]);
    await text.close();
    // "view" yields plain Uint8Arrays.
    const [view] = await db.keys({ keyEncoding: "view", limit: 1 }).all();
    assert.ok(view instanceof Uint8Array && !Buffer.isBuffer(view));
    await db.close();
  });

  it("pages through range() in both directions, honouring bounds and limits", async () => {
    const kv = new MemoryKv();
    const db = new RaftLevel(kv, { pageSize: 4 });
    await db.batch(Array.from({ length: 25 }, (_, i) => ({ type: "put" as const, key: pad(i), value: `v${i}` })));

    kv.ranges.length = 0;
    const all = await db.iterator().all();
    assert.deepEqual(all.map(([k]) => k), Array.from({ length: 25 }, (_, i) => pad(i)));
    assert.equal(kv.ranges.length, 7, "ceil(25 / 4) pages");
    assert.ok(kv.ranges.every((q) => q.limit === 4));

    kv.ranges.length = 0;
    const rev = await db.iterator({ reverse: true, gt: "03", lte: "22", limit: 10 }).all();
    assert.deepEqual(rev, Array.from({ length: 10 }, (_, i) => [pad(22 - i), `v${22 - i}`]));
    assert.deepEqual(kv.ranges.map((q) => q.limit), [4, 4, 2], "the last page asks only for what the limit allows");
    assert.deepEqual(kv.ranges.map((q) => [q.gt, q.lt, q.lte].map((b) => b && Buffer.from(b, "base64").toString())), [
      ["03", undefined, "22"],
      ["03", "19", undefined],
      ["03", "15", undefined],
    ]);

    // next()/nextv() across page boundaries, keys-only and values-only scans.
    const it = db.iterator({ gte: "10", lt: "20" });
    assert.deepEqual(await it.next(), ["10", "v10"]);
    assert.deepEqual((await it.nextv(6)).map(([k]) => k), ["11", "12", "13", "14", "15", "16"]);
    assert.deepEqual((await it.nextv(100)).map(([k]) => k), ["17", "18", "19"]);
    assert.deepEqual(await it.nextv(1), []);
    await it.close();
    kv.ranges.length = 0;
    assert.deepEqual(await db.keys({ gt: "20" }).all(), ["21", "22", "23", "24"]);
    assert.ok(kv.ranges.every((q) => q.keysOnly === true));
    assert.deepEqual(await db.values({ lt: "02", reverse: true }).all(), ["v1", "v0"]);
    await db.close();
  });

  it("seeks across pages within the original range", async () => {
    const db = new RaftLevel(new MemoryKv(), { pageSize: 2 });
    await db.batch(Array.from({ length: 10 }, (_, i) => ({ type: "put" as const, key: pad(i), value: "x" })));
    const it = db.keys({ gte: "02", lt: "08" });
    assert.deepEqual(await it.nextv(3), ["02", "03", "04"]);
    it.seek("00"); // before the range: clamped to gte
    assert.deepEqual(await it.nextv(2), ["02", "03"]);
    it.seek("06");
    assert.deepEqual(await it.all(), ["06", "07"]);
    const rit = db.keys({ reverse: true });
    rit.seek("05!");
    assert.deepEqual(await rit.nextv(3), ["05", "04", "03"]);
    await rit.close();
    await db.close();
  });

  it("sees writes made while iterating (no snapshots, as declared)", async () => {
    const kv = new MemoryKv();
    const db = new RaftLevel(kv, { pageSize: 2 });
    assert.equal(db.supports.implicitSnapshots, false);
    assert.equal(db.supports.explicitSnapshots, false);
    await db.batch(["a", "b", "c", "d"].map((k) => ({ type: "put" as const, key: k, value: k })));
    const it = db.keys();
    assert.equal(await it.next(), "a");
    await db.batch([
      { type: "del", key: "c" },
      { type: "put", key: "e", value: "e" },
      { type: "put", key: "0", value: "behind the cursor" },
    ]);
    assert.deepEqual(await it.all(), ["b", "d", "e"]);
    await db.close();
  });

  it("sends each batch, chained batch, put, del and clear as exactly one write()", async () => {
    const kv = new MemoryKv();
    const db = new RaftLevel(kv);
    await db.batch([
      { type: "put", key: "a", value: "1" },
      { type: "put", key: "b", value: "2" },
      { type: "del", key: "a" },
      { type: "put", key: "c", value: "3" },
    ]);
    assert.equal(kv.writes.length, 1);
    assert.deepEqual(kv.writes[0], {
      op: "batch",
      ops: [
        { op: "put", key: "YQ==", value: "MQ==" },
        { op: "put", key: "Yg==", value: "Mg==" },
        { op: "del", key: "YQ==" },
        { op: "put", key: "Yw==", value: "Mw==" },
      ],
    });
    await db.batch().put("d", "4").del("b").write();
    await db.put("e", "5");
    await db.del("e");
    await db.clear({ gt: "a", gte: "b", lt: "z", limit: 5, reverse: true });
    assert.deepEqual(kv.writes.map((w) => w.op), ["batch", "batch", "put", "del", "delRange"]);
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    assert.deepEqual(kv.writes[4], { op: "delRange", gte: b64("b"), lt: b64("z"), limit: 5, reverse: true });
    assert.deepEqual(await db.keys().all(), []);
    await db.close();
  });

  it("applies nothing when the batch's single write() fails", async () => {
    const kv = new MemoryKv();
    const db = new RaftLevel(kv);
    await db.put("keep", "1");
    const write = kv.write.bind(kv);
    kv.write = async (cmd) => (cmd.op === "batch" ? Promise.reject(new Error("no leader")) : write(cmd));
    await assert.rejects(db.batch().put("x", "1").put("y", "2").del("keep").write(), /no leader/);
    kv.write = write;
    assert.deepEqual(await db.iterator().all(), [["keep", "1"]]);
    await db.close();
  });

  it("getMany/hasMany keep order, report missing keys and decode per encoding", async () => {
    const kv = new SpyKv();
    const db = new RaftLevel<string, unknown>(kv, { valueEncoding: "json", serializable: true });
    await db.put("a", { n: 1 });
    await db.put("c", { n: 3 });
    assert.deepEqual(await db.getMany(["c", "b", "a", "c"]), [{ n: 3 }, undefined, { n: 1 }, { n: 3 }]);
    assert.deepEqual(await db.hasMany(["a", "b"]), [true, false]);
    assert.deepEqual(await db.getMany([]), []);
    const [raw] = await db.getMany(["a"], { valueEncoding: "buffer" });
    assert.deepEqual(raw, Buffer.from('{"n":1}'));
    assert.ok(kv.readOpts.every((o) => o?.serializable === true), "serializable reads are forwarded");
    await db.close();
  });

  it("closes the KvApi only when told to, and can be re-opened otherwise", async () => {
    const shared = new MemoryKv();
    const db = new RaftLevel(shared);
    await db.put("k", "v");
    await db.close();
    assert.equal(shared.isClosed, false);
    await db.open();
    assert.equal(await db.get("k"), "v");
    await db.close();

    const owned = new MemoryKv();
    const db2 = new RaftLevel(owned, { closeKv: true });
    await db2.open();
    await db2.close();
    assert.equal(owned.isClosed, true);
    assert.throws(() => new RaftLevel(new MemoryKv(), { pageSize: 0 }), RangeError);
  });
});
