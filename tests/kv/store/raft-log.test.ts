import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ClassicLevel } from "classic-level";
import { UserError } from "../../../src/errors";
import {
  MemoryStorage,
  RaftNode,
  type Entry,
  type HardState,
  type Membership,
  type Message,
  type Snapshot,
} from "../../../src/kv/raft";
import { CorruptStorageError } from "../../../src/kv/store/errors";
import { LevelRaftStorage, type RaftLogUpdate } from "../../../src/kv/store/raft-log";
import { rng } from "../../../src/util/random";

const M: Membership = { voters: [1, 2, 3], learners: [] };

function ent(index: number, term: number, data = `e${index}t${term}`): Entry {
  return { type: "normal", index, term, data };
}

function conf(index: number, term: number, nodeId: number): Entry {
  const membership = { voters: [1, 2, 3], learners: [nodeId] };
  return { type: "conf", index, term, change: { type: "addLearner", nodeId }, membership };
}

function hs(term: number, commit: number, vote = 0): HardState {
  return { term, vote, commit };
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: Math.max(0, hi - lo) }, (_, k) => lo + k);
}

const key = (index: number) => `e/${String(index).padStart(16, "0")}`;
const frame = (json: string) => `${createHash("sha1").update(json).digest("hex").slice(0, 16)} ${json}`;

describe("kv/store LevelRaftStorage", () => {
  let root: string;
  let n = 0;
  const open: LevelRaftStorage[] = [];
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "raft-log-"));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  afterEach(async () => {
    // Close whatever a failing test left open (closing twice is harmless).
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
  });

  const freshDir = () => path.join(root, `db${n++}`);
  async function openAt(dir: string, m: Membership = M): Promise<LevelRaftStorage> {
    const s = await LevelRaftStorage.open(dir, m);
    open.push(s);
    return s;
  }
  async function reopen(s: LevelRaftStorage): Promise<LevelRaftStorage> {
    await s.close();
    return openAt(s.dir, { voters: [9], learners: [] });
  }
  /** The raw key/value pairs on disk (the storage must be closed). */
  async function rawKeys(dir: string): Promise<string[]> {
    const db = new ClassicLevel<string, string>(dir);
    const keys = await db.keys().all();
    await db.close();
    return keys;
  }
  async function tamper(dir: string, fn: (db: ClassicLevel<string, string>) => Promise<void>): Promise<void> {
    const db = new ClassicLevel<string, string>(dir);
    await fn(db);
    await db.close();
  }
  function dump(s: LevelRaftStorage | MemoryStorage) {
    const first = s.firstIndex();
    const last = s.lastIndex();
    return {
      hard: s.initialState(),
      snap: s.snapshot(),
      first,
      last,
      terms: range(first - 1, last + 1).map((i) => s.term(i)),
      entries: s.entries(first, last + 1),
    };
  }

  it("starts a fresh directory from the bootstrap membership and ignores it on reopen", async () => {
    let s = await openAt(freshDir());
    assert.deepEqual(s.snapshot(), { index: 0, term: 0, membership: M, data: "" });
    assert.deepEqual(s.initialState(), hs(0, 0));
    assert.equal(s.firstIndex(), 1);
    assert.equal(s.lastIndex(), 0);
    assert.equal(s.term(0), 0);
    assert.deepEqual(s.entries(1, 1), []);
    s = await reopen(s);
    assert.deepEqual(dump(s), dump(new MemoryStorage(M)));
  });

  it("recovers hard state, entries and snapshot after close and reopen", async () => {
    let s = await openAt(freshDir());
    await s.save({ entries: [ent(1, 1), ent(2, 1), conf(3, 2, 4), ent(4, 2)], hardState: hs(2, 3, 1) }, true);
    await s.compact({ index: 2, term: 1, membership: M, data: "snap-2" });
    const before = dump(s);
    s = await reopen(s);
    assert.deepEqual(dump(s), before);
    assert.deepEqual(s.snapshot(), { index: 2, term: 1, membership: M, data: "snap-2" });
    assert.deepEqual(s.initialState(), hs(2, 3, 1));
    assert.deepEqual(s.entries(3, 5), [conf(3, 2, 4), ent(4, 2)]);
  });

  it("keeps a commit-only change in memory until the next batch or close, and never loses a written one", async () => {
    const dir = freshDir();
    let s = await openAt(dir);
    await s.save({ entries: [ent(1, 1), ent(2, 1), ent(3, 1)], hardState: hs(1, 1) }, true);
    await s.save({ entries: [], hardState: hs(1, 2) }, false);
    assert.deepEqual(s.initialState(), hs(1, 2));
    const stored = async () => {
      const db = new ClassicLevel<string, string>(dir);
      const raw = await db.get("m/hard");
      await db.close();
      return JSON.parse(raw!.slice(raw!.indexOf(" ") + 1)) as HardState;
    };
    // A crash now (no close) would find commit 1 on disk: Raft relearns commit 2 from the leader.
    const crashed = fs.mkdtempSync(path.join(root, "crash-"));
    fs.cpSync(dir, crashed, { recursive: true });
    fs.rmSync(path.join(crashed, "LOCK"), { force: true });
    const c = await openAt(crashed);
    assert.deepEqual(c.initialState(), hs(1, 1));
    await c.close();
    // The next batch writes the newer commit too, even when its own update has no hard state.
    await s.save({ entries: [ent(4, 1)] }, true);
    await s.close();
    assert.deepEqual(await stored(), hs(1, 2));
    s = await openAt(dir);
    await s.save({ entries: [], hardState: hs(1, 4) }, false);
    await assert.rejects(s.save({ entries: [], hardState: hs(1, 5) }, false), /commit 5 is beyond the last index 4/);
    s = await reopen(s); // close writes it
    assert.deepEqual(s.initialState(), hs(1, 4));
  });

  it("replaces a stored suffix, deleting stale keys on disk too", async () => {
    const dir = freshDir();
    let s = await openAt(dir);
    await s.save({ entries: range(1, 7).map((i) => ent(i, 1)), hardState: hs(1, 2) }, true);
    await s.save({ entries: [ent(3, 2), ent(4, 2)], hardState: hs(2, 2) }, false);
    assert.equal(s.lastIndex(), 4);
    s = await reopen(s);
    assert.equal(s.lastIndex(), 4);
    assert.deepEqual(s.entries(1, 5), [ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2)]);
    await s.close();
    assert.deepEqual(await rawKeys(dir), [...range(1, 5).map(key), "m/hard", "m/snap"]);
  });

  it("compaction deletes the covered keys and survives reopen", async () => {
    const dir = freshDir();
    let s = await openAt(dir);
    await s.save({ entries: range(1, 6).map((i) => ent(i, 1)), hardState: hs(1, 5) }, true);
    await s.compact({ index: 3, term: 1, membership: M, data: "d3" });
    await s.compact({ index: 2, term: 1, membership: M, data: "older" }); // ignored, like MemoryStorage
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.term(3), 1);
    assert.throws(() => s.term(2), RangeError);
    s = await reopen(s);
    assert.deepEqual(s.snapshot(), { index: 3, term: 1, membership: M, data: "d3" });
    assert.deepEqual(s.entries(4, 6), [ent(4, 1), ent(5, 1)]);
    await s.close();
    assert.deepEqual(await rawKeys(dir), [key(4), key(5), "m/hard", "m/snap"]);
  });

  it("drops entries a crash left behind below the snapshot (compaction deletes them in the background)", async () => {
    const dir = freshDir();
    let s = await openAt(dir);
    await s.save({ entries: range(1, 6).map((i) => ent(i, 1)), hardState: hs(1, 5) }, true);
    await s.compact({ index: 3, term: 1, membership: M, data: "d3" });
    await s.close();
    await tamper(dir, (db) => db.batch([1, 2, 3].map((i) => ({ type: "put", key: key(i), value: "garbage, never read" }))));
    s = await openAt(dir);
    assert.equal(s.firstIndex(), 4);
    assert.deepEqual(s.entries(4, 6), [ent(4, 1), ent(5, 1)]);
    await s.close();
    assert.deepEqual(await rawKeys(dir), [key(4), key(5), "m/hard", "m/snap"]);
  });

  it("applies a leader's snapshot by replacing the whole log, with entries after it in the same batch", async () => {
    const dir = freshDir();
    let s = await openAt(dir);
    await s.save({ entries: range(1, 5).map((i) => ent(i, 1)), hardState: hs(1, 2) }, true);
    const snap: Snapshot = { index: 10, term: 3, membership: { voters: [1, 2], learners: [5] }, data: "file-10" };
    await s.save({ snapshot: snap, entries: [ent(9, 3), ent(10, 3), ent(11, 3)], hardState: hs(3, 10) }, true);
    assert.deepEqual(s.snapshot(), snap);
    assert.equal(s.firstIndex(), 11);
    assert.equal(s.lastIndex(), 11);
    s = await reopen(s);
    assert.deepEqual(s.snapshot(), snap);
    assert.deepEqual(s.entries(11, 12), [ent(11, 3)]);
    assert.deepEqual(s.initialState(), hs(3, 10));
    await s.close();
    assert.deepEqual(await rawKeys(dir), [key(11), "m/hard", "m/snap"]);
  });

  it("skips entries the snapshot already covers", async () => {
    let s = await openAt(freshDir());
    await s.save({ entries: range(1, 5).map((i) => ent(i, 1)), hardState: hs(1, 4) }, true);
    await s.compact({ index: 3, term: 1, membership: M, data: "" });
    await s.save({ entries: [ent(2, 1), ent(3, 1), ent(4, 2), ent(5, 2)], hardState: hs(2, 4) }, true);
    await s.save({ entries: [ent(1, 1), ent(2, 1)] }, true); // entirely compacted: a no-op
    assert.deepEqual(s.entries(4, 6), [ent(4, 2), ent(5, 2)]);
    s = await reopen(s);
    assert.deepEqual(s.entries(4, 6), [ent(4, 2), ent(5, 2)]);
  });

  it("rejects bad input like MemoryStorage and keeps working afterwards", async () => {
    let s = await openAt(freshDir());
    await s.save({ entries: [ent(1, 1), ent(2, 1)], hardState: hs(1, 1) }, true);
    await assert.rejects(
      s.save({ entries: [ent(4, 1)] }, true),
      (e: Error) => e instanceof UserError && /gap before entry 4 \(last index 2\)/.test(e.message),
    );
    await assert.rejects(s.save({ entries: [ent(3, 1), ent(5, 1)] }, true), /entry 5: expected index 4/);
    await assert.rejects(s.save({ entries: [ent(3, 2), ent(4, 1)], hardState: hs(2, 1) }, true), /term 1 is below/);
    await assert.rejects(s.save({ entries: [], hardState: hs(1, 3) }, true), /commit 3 is beyond the last index 2/);
    await assert.rejects(s.save({ entries: [ent(3, 2)] }, true), /term 1 is below the last entry's term 2/);
    await assert.rejects(s.save({ entries: [{ type: "normal", index: 3, term: 1 } as unknown as Entry] }, true), /string data/);
    await assert.rejects(s.compact({ index: 3, term: 1, membership: M, data: "" }), /cannot compact to 3 beyond last index 2/);
    await assert.rejects(s.compact({ index: 2, term: 7, membership: M, data: "" }), /snapshot term 7 does not match entry 2/);
    await s.compact({ index: 1, term: 1, membership: M, data: "" });
    await assert.rejects(
      s.save({ snapshot: { index: 0, term: 0, membership: M, data: "" }, entries: [] }, true),
      (e: Error) => e instanceof UserError && /snapshot 0 is older than 1/.test(e.message),
    );
    // Nothing of the rejected writes reached memory or disk.
    const expected = { hard: hs(1, 1), first: 2, last: 2, entries: [ent(2, 1)] };
    const pick = (d: ReturnType<typeof dump>) => ({ hard: d.hard, first: d.first, last: d.last, entries: d.entries });
    assert.deepEqual(pick(dump(s)), expected);
    await s.save({ entries: [ent(3, 1)], hardState: hs(1, 3) }, true);
    s = await reopen(s);
    assert.deepEqual(pick(dump(s)), { ...expected, hard: hs(1, 3), last: 3, entries: [ent(2, 1), ent(3, 1)] });
  });

  describe("corruption", () => {
    /** A closed log holding entries 1..5 (term 1, then 2 from index 4) with a snapshot at 1. */
    async function seeded(): Promise<string> {
      const dir = freshDir();
      const s = await LevelRaftStorage.open(dir, M);
      await s.save({ entries: [ent(1, 1), ent(2, 1), ent(3, 1), ent(4, 2), ent(5, 2)], hardState: hs(2, 4) }, true);
      await s.compact({ index: 1, term: 1, membership: M, data: "" });
      await s.close();
      return dir;
    }
    async function rejectsCorrupt(dir: string, pattern: RegExp): Promise<void> {
      await assert.rejects(LevelRaftStorage.open(dir, M), (e: Error) => {
        assert.ok(e instanceof CorruptStorageError, `expected CorruptStorageError, got ${e.name}: ${e.message}`);
        assert.ok(e instanceof UserError);
        assert.ok(e.message.includes(dir), e.message);
        assert.match(e.message, /will not start/);
        assert.match(e.message, pattern);
        return true;
      });
      // The failed open released the database: a repaired directory can be opened again.
      await tamper(dir, async () => undefined);
    }

    it("a changed term without a matching checksum", async () => {
      const dir = await seeded();
      await tamper(dir, async (db) => {
        const raw = await db.get(key(3));
        await db.put(key(3), raw!.replace('"term":1', '"term":2'));
      });
      await rejectsCorrupt(dir, /entry 3: checksum mismatch/);
    });

    it("an entry missing in the middle", async () => {
      const dir = await seeded();
      await tamper(dir, (db) => db.del(key(3)));
      await rejectsCorrupt(dir, /entry 3: missing \(the next stored entry is 4\)/);
    });

    it("garbage values, with and without a valid checksum", async () => {
      let dir = await seeded();
      await tamper(dir, (db) => db.put(key(4), "{not json"));
      await rejectsCorrupt(dir, /entry 4: value has no checksum/);
      dir = await seeded();
      await tamper(dir, (db) => db.put(key(4), frame("{not json")));
      await rejectsCorrupt(dir, /entry 4: value is not valid JSON/);
      dir = await seeded();
      await tamper(dir, (db) => db.put(key(4), frame(JSON.stringify({ type: "normal", index: 4, term: "2", data: "" }))));
      await rejectsCorrupt(dir, /entry 4: index and term must be non-negative integers/);
    });

    it("broken invariants behind valid checksums", async () => {
      let dir = await seeded();
      await tamper(dir, (db) => db.put(key(4), frame(JSON.stringify(ent(7, 2)))));
      await rejectsCorrupt(dir, /entry 4: stored under key 4 but says index 7/);
      dir = await seeded();
      await tamper(dir, (db) => db.put(key(5), frame(JSON.stringify(ent(5, 1)))));
      await rejectsCorrupt(dir, /entry 5: term 1 is below the preceding term 2/);
      dir = await seeded();
      await tamper(dir, (db) => db.put("m/hard", frame(JSON.stringify(hs(2, 9)))));
      await rejectsCorrupt(dir, /hard state: commit 9 is beyond the last index 5/);
      dir = await seeded();
      await tamper(dir, (db) => db.put("m/hard", frame(JSON.stringify(hs(1, 4)))));
      await rejectsCorrupt(dir, /hard state: term 1 is below the last entry's term 2/);
      dir = await seeded();
      await tamper(dir, (db) => db.put("m/snap", frame(JSON.stringify({ index: 1, term: 1, data: "" }))));
      await rejectsCorrupt(dir, /snapshot metadata: malformed/);
      dir = await seeded();
      await tamper(dir, (db) => db.del("m/snap"));
      await rejectsCorrupt(dir, /snapshot metadata is missing/);
      dir = await seeded();
      await tamper(dir, (db) => db.put("zzz", "1"));
      await rejectsCorrupt(dir, /unexpected key/);
    });

    it("a damaged LevelDB directory (garbage CURRENT file)", async () => {
      const dir = await seeded();
      fs.writeFileSync(path.join(dir, "CURRENT"), "garbage\n");
      await assert.rejects(LevelRaftStorage.open(dir, M), (e: Error) => {
        assert.ok(e instanceof CorruptStorageError, `${e.name}: ${e.message}`);
        assert.ok(e.message.includes(dir), e.message);
        assert.match(e.message, /cannot be opened .*will not start/);
        assert.ok(e.cause, "keeps LevelDB's error as the cause");
        return true;
      });
    });

    it("a directory held by another open storage is reported as in use, not corrupt", async () => {
      const s = await openAt(freshDir());
      await assert.rejects(LevelRaftStorage.open(s.dir, M), (e: Error) => {
        assert.ok(e instanceof UserError && !(e instanceof CorruptStorageError), e.message);
        assert.match(e.message, /in use/);
        return true;
      });
    });
  });

  it("matches MemoryStorage on random save/compact sequences, before and after reopen", async function () {
    this.timeout(120_000);
    for (let seed = 1; seed <= 12; seed++) {
      const rand = rng(seed);
      const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
      const mem = new MemoryStorage(M);
      const dir = freshDir();
      let lvl = await openAt(dir);
      const ctx = (step: number, op: string) => `seed ${seed} step ${step} (${op})`;
      for (let step = 0; step < 60; step++) {
        const snap = mem.snapshot();
        const last = mem.lastIndex();
        const hard = mem.initialState();
        const r = rand();
        let op: string;
        if (r < 0.55) {
          // Append a run replacing the suffix from `first`, sometimes led by entries the snapshot covers.
          const first = int(snap.index + 1, last + 1);
          const lead = first === snap.index + 1 ? int(0, Math.min(2, snap.index)) : 0;
          let t = mem.term(first - 1);
          const entries: Entry[] = range(first - lead, first).map((i) => ent(i, 1, "covered"));
          for (const i of range(first, first + int(0, 4))) {
            if (rand() < 0.3) t++;
            entries.push(rand() < 0.15 ? conf(i, t, int(4, 9)) : ent(i, t, `s${step}`));
          }
          const newLast = entries.length > lead ? entries[entries.length - 1].index : last;
          const lastTerm = entries.length > lead ? t : mem.term(last);
          let hardState: HardState | undefined;
          if (hard.commit > newLast || hard.term < lastTerm || rand() < 0.5) {
            hardState = hs(Math.max(hard.term, lastTerm) + int(0, 1), int(0, newLast), int(0, 3));
          }
          const update: RaftLogUpdate = { entries, hardState };
          mem.append(entries);
          if (hardState) mem.setHardState(hardState);
          await lvl.save(update, rand() < 0.5);
          op = `append ${first}..${newLast}`;
        } else if (r < 0.7 && last > snap.index) {
          const index = int(snap.index + 1, last);
          const s: Snapshot = { index, term: mem.term(index), membership: { voters: [1, 2], learners: [int(3, 9)] }, data: `c${index}` };
          mem.compact(s);
          await lvl.compact(s);
          op = `compact ${index}`;
        } else if (r < 0.8) {
          const index = int(snap.index, last + 5);
          const term = mem.term(Math.min(index, last)) + int(0, 2);
          const s: Snapshot = { index, term, membership: M, data: `i${index}` };
          const after = rand() < 0.5 ? [ent(index + 1, term)] : [];
          const hardState = hs(Math.max(hard.term, term), index);
          mem.applySnapshot(s);
          mem.append(after);
          mem.setHardState(hardState);
          await lvl.save({ snapshot: s, entries: after, hardState }, true);
          op = `install ${index}`;
        } else if (r < 0.9) {
          // Bad input: both must refuse and change nothing.
          const gap = rand() < 0.5;
          const bad: Snapshot = { index: last + 1, term: 99, membership: M, data: "" };
          const run = gap ? () => lvl.save({ entries: [ent(last + 2, 99)] }, true) : () => lvl.compact(bad);
          assert.throws(() => (gap ? mem.append([ent(last + 2, 99)]) : mem.compact(bad)), UserError);
          await assert.rejects(run(), UserError);
          op = gap ? "gap" : "compact beyond";
        } else {
          lvl = await reopen(lvl);
          op = "reopen";
        }
        assert.deepEqual(dump(lvl), dump(mem), ctx(step, op));
        const lo = lvl.firstIndex();
        const hi = lvl.lastIndex() + 1;
        const a = int(lo, hi);
        const b = int(a, hi);
        assert.deepEqual(lvl.entries(a, b), mem.entries(a, b), ctx(step, `entries(${a}, ${b})`));
        assert.throws(() => lvl.entries(lo - 1, hi), RangeError);
        assert.throws(() => lvl.term(hi), RangeError);
      }
      lvl = await reopen(lvl);
      assert.deepEqual(dump(lvl), dump(mem), `seed ${seed} final reopen`);
      await lvl.close();
      const keys = range(mem.firstIndex(), mem.lastIndex() + 1).map(key);
      assert.deepEqual(await rawKeys(dir), [...keys, "m/hard", "m/snap"], `seed ${seed}: no stale keys`);
    }
  });

  describe("under a 3-node RaftNode cluster", () => {
    interface Peer {
      node: RaftNode;
      storage: LevelRaftStorage;
      applied: Entry[];
    }

    /** Persists, sends and applies readies until no node has work and no message is in flight. */
    async function stabilize(peers: Map<number, Peer>, down = new Set<number>()): Promise<void> {
      let queue: Message[] = [];
      for (let round = 0; round < 1000; round++) {
        let busy = false;
        for (const p of peers.values()) {
          while (p.node.hasReady()) {
            busy = true;
            const rd = p.node.ready();
            await p.storage.save({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState }, rd.mustSync);
            queue.push(...rd.messages);
            p.applied.push(...rd.committedEntries);
            p.node.advance(rd);
          }
        }
        const batch = queue;
        queue = [];
        for (const m of batch) {
          busy = true;
          if (!down.has(m.from) && !down.has(m.to)) peers.get(m.to)?.node.step(m);
        }
        if (!busy) return;
      }
      throw new Error("cluster did not stabilize");
    }

    const data = (p: Peer) => p.applied.flatMap((e) => (e.type === "normal" && e.data !== "" ? [e.data] : []));

    it("elects, commits, compacts, installs a snapshot and recovers a restarted node", async () => {
      const peers = new Map<number, Peer>();
      for (const id of [1, 2, 3]) {
        const storage = await openAt(freshDir());
        peers.set(id, { node: new RaftNode({ id, storage, rng: rng(id) }), storage, applied: [] });
      }
      const p = (id: number) => peers.get(id)!;
      p(1).node.campaign();
      await stabilize(peers);
      assert.equal(p(1).node.status().role, "leader");
      for (let i = 0; i < 5; i++) assert.ok(p(1).node.propose(`v${i}`).ok);
      await stabilize(peers);
      for (const id of [1, 2, 3]) assert.deepEqual(data(p(id)), ["v0", "v1", "v2", "v3", "v4"]);

      // Node 3 misses entries that the leader then compacts away: it must get the snapshot.
      const down = new Set([3]);
      for (let i = 5; i < 10; i++) p(1).node.propose(`v${i}`);
      await stabilize(peers, down);
      const applied = p(1).node.status().applied;
      await p(1).storage.compact(p(1).node.createSnapshot(applied, `snap-${applied}`));
      assert.equal(p(1).storage.firstIndex(), applied + 1);
      for (let t = 0; t < 3; t++) {
        for (const q of peers.values()) q.node.tick();
        await stabilize(peers);
      }
      assert.equal(p(3).storage.snapshot().index, applied);
      assert.equal(p(3).storage.snapshot().data, `snap-${applied}`);

      // Restart node 2 from disk: same log, and it keeps replicating.
      const before = { last: p(2).storage.lastIndex(), hard: p(2).storage.initialState() };
      const entriesBefore = p(2).storage.entries(p(2).storage.firstIndex(), before.last + 1);
      const storage2 = await reopen(p(2).storage);
      assert.equal(storage2.lastIndex(), before.last);
      assert.deepEqual(storage2.initialState(), before.hard);
      assert.deepEqual(storage2.entries(storage2.firstIndex(), before.last + 1), entriesBefore);
      peers.set(2, { node: new RaftNode({ id: 2, storage: storage2, rng: rng(22) }), storage: storage2, applied: [] });
      p(1).node.propose("after-restart");
      await stabilize(peers);
      for (let t = 0; t < 3; t++) {
        for (const q of peers.values()) q.node.tick();
        await stabilize(peers);
      }
      for (const id of [1, 2, 3]) {
        assert.equal(p(id).storage.lastIndex(), p(1).storage.lastIndex(), `node ${id} log`);
        assert.equal(p(id).node.status().commit, p(1).node.status().commit, `node ${id} commit`);
      }
      assert.ok(data(p(2)).includes("after-restart"));
      assert.ok(data(p(3)).includes("after-restart"));
    });
  });
});
