import * as assert from "node:assert/strict";
import { MemoryStorage, RaftNode, type AppendRequest, type LogView, type Message } from "../../../src/kv/raft";
import { rng } from "../../../src/util/random";
import { Cluster, storageWith, voters } from "./harness";

function terms(log: LogView): number[] {
  const out: number[] = [];
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) out.push(log.term(i) ?? -1);
  return out;
}

const isAppend = (m: Message): m is AppendRequest => m.type === "append";

/** Figure 8 (b): S1 led term 2 and put entry 2 on S2 only; S5 led term 3 and wrote its own entry 2. */
function figure8Cluster(): Cluster {
  const c = new Cluster({ checkQuorum: false, preVote: false });
  const m = voters(1, 2, 3, 4, 5);
  c.add(1, storageWith(m, [1, 2], 3));
  c.add(2, storageWith(m, [1, 2], 2));
  c.add(3, storageWith(m, [1], 3));
  c.add(4, storageWith(m, [1], 3));
  c.add(5, storageWith(m, [1, 3], 3));
  return c;
}

describe("kv/raft replication", () => {
  it("replicates proposals in order and every node applies the same entries", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    for (let i = 0; i < 10; i++) assert.ok(c.node(1).propose(`v${i}`).ok);
    c.stabilize();
    const want = Array.from({ length: 10 }, (_, i) => `v${i}`);
    for (const id of [1, 2, 3]) assert.deepEqual(c.appliedData(id), want);
    assert.equal(c.node(2).propose("x").ok, false, "followers do not accept proposals");
  });

  it("with broadcastCommit false, commits ride on the next append or heartbeat: half the messages per proposal", () => {
    const count = (broadcastCommit: boolean) => {
      const c = Cluster.of([1, 2, 3], { broadcastCommit });
      c.elect(1);
      c.stabilize();
      const before = c.delivered.length;
      for (let i = 0; i < 5; i++) {
        assert.ok(c.node(1).propose(`v${i}`).ok);
        c.stabilize();
      }
      return { c, messages: c.delivered.length - before };
    };
    const eager = count(true);
    const lazy = count(false);
    assert.equal(eager.messages, 5 * 8, "append + reply, then the commit append + reply, to each of 2 followers");
    assert.equal(lazy.messages, 5 * 4);
    const want = ["v0", "v1", "v2", "v3", "v4"];
    assert.deepEqual(lazy.c.appliedData(1), want);
    // Each follower has learned all but the last commit from the appends that followed it...
    for (const id of [2, 3]) assert.deepEqual(lazy.c.appliedData(id), want.slice(0, 4));
    // ...and the next heartbeat brings that one too.
    lazy.c.tickAll(1);
    for (const id of [2, 3]) assert.deepEqual(lazy.c.appliedData(id), want);
  });

  // Raft paper Figure 7: the term-8 leader's log and six follower logs it must bring into line.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const figure7: [name: string, log: number[]][] = [
    ["a (missing one)", [1, 1, 1, 4, 4, 5, 5, 6, 6]],
    ["b (missing many)", [1, 1, 1, 4]],
    ["c (extra entry of the leader's term)", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]],
    ["d (extra entries of a newer term)", [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]],
    ["e (extra entries of an old term)", [1, 1, 1, 4, 4, 4, 4]],
    ["f (diverged for several terms)", [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]],
  ];
  for (const [name, followerLog] of figure7) {
    it(`Figure 7 ${name}: the follower's log ends up identical to the leader's`, () => {
      const c = new Cluster({ checkQuorum: false });
      const m = voters(1, 2, 3);
      c.add(1, storageWith(m, leaderLog, 7));
      c.add(2, storageWith(m, followerLog, 7));
      c.add(3, new MemoryStorage(m));
      c.elect(1);
      assert.deepEqual(c.leaders(), [1]);
      const s1 = c.node(1).status();
      assert.equal(s1.term, 8);
      assert.deepEqual(terms(c.node(2).log), [...leaderLog, 8]);
      const stored = c.member(2).storage;
      assert.deepEqual(stored.entries(1, stored.lastIndex() + 1).map((e) => e.term), [...leaderLog, 8], "persisted too");
      assert.equal(c.node(2).status().commit, 11);
      // Conflict hints skip whole terms: one rejection at most, however far the logs diverged.
      const rejections = c.delivered.filter((x) => x.type === "appendResp" && x.from === 2 && x.reject);
      assert.ok(rejections.length <= 1, `${rejections.length} rejections`);
    });
  }

  it("Figure 8: a previous-term entry on a majority is not committed by counting, and may be overwritten", () => {
    const c = figure8Cluster();
    // (c) S5 is down; S1 wins term 4 and copies entry 2 (term 2) to S3 and S4, but its term-4 no-op at
    // index 3 reaches nobody.
    c.isolate(5);
    c.rewrite = (x) => (isAppend(x) && x.to !== 2 ? { ...x, entries: x.entries.filter((e) => e.index < 3) } : x);
    c.elect(1);
    assert.deepEqual(c.leaders(), [1]);
    assert.equal(c.node(1).status().term, 4);
    for (const id of [1, 2, 3, 4]) assert.equal(c.node(id).log.term(2), 2, `S${id} holds entry 2 of term 2`);
    c.tickAll(3);
    assert.ok(c.node(1).status().commit < 2, "entry 2 is on every live node but is from an older term");
    // (d) S1 goes down; S5 wins term 5 with S3 and S4 (its last term 3 beats their 2) and overwrites.
    c.heal();
    c.isolate(1);
    c.elect(5); // term 4: everyone already voted for S1
    assert.equal(c.node(5).status().role, "follower");
    c.elect(5);
    assert.equal(c.node(5).status().role, "leader");
    assert.equal(c.node(5).status().term, 5);
    c.tickAll(3);
    for (const id of [2, 3, 4, 5]) {
      assert.equal(c.node(id).log.term(2), 3, `S${id} now holds S5's entry 2`);
      assert.ok(c.node(id).status().commit >= 3);
      const applied2 = c.member(id).applied.find((e) => e.index === 2);
      assert.equal(applied2?.term, 3);
    }
    assert.equal(c.member(1).applied.find((e) => e.index === 2), undefined, "S1 never applied its entry 2");
  });

  it("Figure 8 (e): once the leader's own-term entry reaches a majority, the older entry commits with it", () => {
    const c = figure8Cluster();
    c.isolate(5);
    c.elect(1);
    assert.equal(c.node(1).status().commit, 3);
    for (const id of [1, 2, 3, 4]) assert.deepEqual(c.member(id).applied.map((e) => e.term), [1, 2, 4]);
  });

  it("batches appends by entry count and by bytes (always at least one entry)", () => {
    const c = Cluster.of([1, 2, 3], { maxEntriesPerMsg: 4, maxBytesPerMsg: 200 });
    c.elect(1);
    c.isolate(2);
    for (let i = 0; i < 30; i++) c.node(1).propose(i % 5 === 0 ? "x".repeat(500) : `v${i}`);
    c.stabilize();
    c.heal();
    const before = c.delivered.length;
    c.tickAll(5);
    const appends = c.delivered.slice(before).filter((x): x is AppendRequest => isAppend(x) && x.to === 2 && x.entries.length > 0);
    assert.ok(appends.length >= 8, `${appends.length} appends`);
    for (const a of appends) {
      assert.ok(a.entries.length <= 4);
      const bytes = a.entries.reduce((n, e) => n + (e.type === "normal" ? e.data.length + 32 : 0), 0);
      assert.ok(a.entries.length === 1 || bytes <= 200, `batch of ${a.entries.length} has ${bytes} bytes`);
    }
    assert.deepEqual(c.appliedData(2), c.appliedData(1));
    assert.equal(c.appliedData(2).length, 30);
  });

  it("pipelines up to maxInflightMsgs appends without waiting for replies, then resumes", () => {
    const c = Cluster.of([1, 2, 3], { maxInflightMsgs: 3 });
    c.elect(1);
    c.tickAll(2); // followers are in replicate state now
    for (let i = 0; i < 10; i++) c.node(1).propose(`v${i}`);
    const queued = c.takeQueued();
    const to2 = queued.filter((x): x is AppendRequest => isAppend(x) && x.to === 2);
    assert.equal(to2.length, 3, "three optimistic appends, then the window is full");
    assert.deepEqual(to2.map((a) => a.index), [to2[0].index, to2[0].index + 1, to2[0].index + 2]);
    c.deliver(queued);
    c.stabilize();
    assert.equal(c.appliedData(2).length, 10);
    assert.equal(c.node(1).status().progress[2].state, "replicate");
  });

  it("recovers from lost and reordered appends (probe after rejection)", () => {
    const c = Cluster.of([1, 2, 3], { maxEntriesPerMsg: 1 });
    c.elect(1);
    c.tickAll(2);
    for (let i = 0; i < 6; i++) c.node(1).propose(`v${i}`);
    const queued = c.takeQueued();
    const to3 = queued.filter((x) => x.to === 3).reverse(); // 3 sees them newest first...
    c.deliver(queued.filter((x) => x.to !== 3));
    c.deliver(to3.filter((_, k) => k !== 2)); // ...and one never arrives
    c.stabilize();
    c.tickAll(3);
    assert.deepEqual(c.appliedData(3), c.appliedData(1));
    assert.equal(c.appliedData(3).length, 6);
  });

  it("a stale append never truncates entries the follower already has", () => {
    const n = new RaftNode({ id: 2, storage: storageWith(voters(1, 2, 3), [1, 1, 1, 1, 1]), rng: rng(1) });
    n.step({ type: "append", from: 1, to: 2, term: 1, index: 1, logTerm: 1, commit: 0, entries: [
      { type: "normal", index: 2, term: 1, data: "e2t1" },
      { type: "normal", index: 3, term: 1, data: "e3t1" },
    ] });
    assert.equal(n.log.lastIndex(), 5);
    const rd = n.ready();
    assert.deepEqual(rd.entries, []);
    const resp = rd.messages[0];
    assert.ok(resp.type === "appendResp" && !resp.reject && resp.index === 3, "acknowledges only what it verified");
  });

  it("a follower does not commit beyond what the leader has verified it holds", () => {
    const n = new RaftNode({ id: 2, storage: storageWith(voters(1, 2, 3), [1, 1, 2, 2]), rng: rng(1) });
    // Leader (term 3) says commit 10 but only vouches for entries up to index 2.
    n.step({ type: "append", from: 1, to: 2, term: 3, index: 2, logTerm: 1, commit: 10, entries: [] });
    assert.equal(n.status().commit, 2);
  });
});
