import * as assert from "node:assert/strict";
import { UserError } from "../../../src/errors";
import { MemoryStorage, RaftNode, type InstallSnapshot } from "../../../src/kv/raft";
import { rng } from "../../../src/util/random";
import { Cluster, storageWith, voters, type Member } from "./harness";

/** Snapshots a member at its applied index and compacts its storage, as an application would. */
function compact(m: Member, data = "state"): number {
  const applied = m.node.status().applied;
  const snap = m.node.createSnapshot(applied, data);
  m.storage.compact(snap);
  return applied;
}

describe("kv/raft snapshots", () => {
  it("a follower behind the compaction point gets InstallSnapshot, then the entries after it", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 20; i++) c.node(1).propose(`v${i}`);
    c.stabilize();
    const at = compact(c.member(1), "snap-of-1");
    assert.equal(c.member(1).storage.firstIndex(), at + 1);
    for (let i = 20; i < 25; i++) c.node(1).propose(`v${i}`);
    c.stabilize();
    c.heal();
    c.tickAll(5);
    const snaps = c.delivered.filter((m): m is InstallSnapshot => m.type === "snapshot" && m.to === 3);
    assert.equal(snaps.length, 1);
    assert.equal(snaps[0].snapshot.index, at);
    assert.equal(snaps[0].snapshot.data, "snap-of-1");
    assert.deepEqual(snaps[0].snapshot.membership, voters(1, 2, 3));
    const s3 = c.member(3);
    assert.equal(s3.storage.snapshot().index, at, "the follower persisted the snapshot");
    assert.equal(s3.node.status().commit, c.node(1).status().commit);
    // It applied the snapshot (not the entries it covers), then the entries after it.
    assert.deepEqual(c.appliedData(3), ["v20", "v21", "v22", "v23", "v24"]);
    assert.equal(c.node(1).status().progress[3].state, "replicate");
  });

  it("a lost snapshot is sent again after an election timeout", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 5; i++) c.node(1).propose(`v${i}`);
    c.stabilize();
    compact(c.member(1));
    c.heal();
    let dropped = 0;
    c.drop = (m) => m.type === "snapshot" && dropped++ === 0;
    c.tickAll(30);
    assert.equal(dropped, 2, "first copy dropped, second delivered");
    assert.equal(c.node(3).status().commit, c.node(1).status().commit);
  });

  it("ignores a snapshot older than its commit index", () => {
    const storage = storageWith(voters(1, 2), [1, 1, 1, 1]);
    storage.setHardState({ term: 1, vote: 0, commit: 3 });
    const n = new RaftNode({ id: 2, storage, rng: rng(1) });
    n.step({ type: "snapshot", from: 1, to: 2, term: 1, snapshot: { index: 2, term: 1, membership: voters(1, 2), data: "" } });
    const rd = n.ready();
    assert.equal(rd.snapshot, undefined);
    assert.ok(rd.messages[0].type === "appendResp" && rd.messages[0].index === 3);
    n.advance(rd);
  });

  it("a snapshot whose last entry the follower already holds only advances its commit", () => {
    const n = new RaftNode({ id: 2, storage: storageWith(voters(1, 2), [1, 1, 1, 1]), rng: rng(1) });
    n.step({ type: "snapshot", from: 1, to: 2, term: 1, snapshot: { index: 3, term: 1, membership: voters(1, 2), data: "" } });
    const rd = n.ready();
    assert.equal(rd.snapshot, undefined);
    assert.equal(n.status().commit, 3);
    assert.equal(n.log.lastIndex(), 4, "the entry after the snapshot is kept");
    n.advance(rd);
  });

  it("restarting keeps exactly what was persisted: hard state, snapshot and entries", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    for (let i = 0; i < 10; i++) c.node(1).propose(`v${i}`);
    c.stabilize();
    const at = compact(c.member(2));
    c.node(1).propose("late"); // reaches node 2's log but the ready is never processed
    const queued = c.takeQueued();
    c.deliver(queued.filter((m) => m.to === 2));
    const before = c.node(2).status();
    c.restart(2);
    const after = c.node(2).status();
    assert.equal(after.term, before.term);
    assert.equal(after.vote, before.vote);
    assert.equal(after.firstIndex, at + 1);
    assert.equal(after.lastIndex, before.lastIndex - 1, "the unpersisted entry is gone");
    assert.equal(after.applied, at, "applying restarts from the snapshot");
    assert.deepEqual(after.membership, voters(1, 2, 3));
    c.deliver(queued.filter((m) => m.to !== 2));
    c.tickAll(3);
    assert.equal(c.node(2).status().commit, c.node(1).status().commit);
  });

  it("rejects snapshots beyond the applied index or already compacted", () => {
    const c = Cluster.of([1]);
    c.elect(1);
    c.node(1).propose("a");
    c.stabilize();
    const n = c.node(1);
    assert.throws(() => n.createSnapshot(n.status().applied + 1, ""), UserError);
    compact(c.member(1));
    assert.throws(() => n.createSnapshot(n.status().applied, ""), UserError);
  });
});

describe("kv/raft MemoryStorage", () => {
  it("appends, replaces a conflicting suffix, compacts and installs snapshots", () => {
    const s = new MemoryStorage(voters(1));
    assert.equal(s.firstIndex(), 1);
    assert.equal(s.lastIndex(), 0);
    assert.equal(s.term(0), 0);
    s.append([1, 2, 3].map((i) => ({ type: "normal" as const, index: i, term: 1, data: `${i}` })));
    s.append([{ type: "normal", index: 2, term: 2, data: "x" }]);
    assert.deepEqual(s.entries(1, 3).map((e) => e.term), [1, 2]);
    assert.equal(s.lastIndex(), 2);
    assert.throws(() => s.append([{ type: "normal", index: 5, term: 2, data: "" }]), UserError);
    s.compact({ index: 1, term: 1, membership: voters(1), data: "s" });
    assert.equal(s.firstIndex(), 2);
    assert.equal(s.term(1), 1);
    assert.throws(() => s.entries(1, 2), RangeError);
    assert.throws(() => s.compact({ index: 2, term: 9, membership: voters(1), data: "" }), UserError);
    s.applySnapshot({ index: 10, term: 3, membership: voters(1, 2), data: "t" });
    assert.equal(s.firstIndex(), 11);
    assert.equal(s.lastIndex(), 10);
    assert.equal(s.term(10), 3);
    s.append([{ type: "normal", index: 11, term: 3, data: "" }]);
    assert.equal(s.lastIndex(), 11);
  });
});
