import * as assert from "node:assert/strict";
import { UserError } from "../../../src/errors";
import { MemoryStorage, RaftNode, type ConfChange, type Entry } from "../../../src/kv/raft";
import { rng } from "../../../src/util/random";
import { Cluster, voters } from "./harness";

function confEntry(index: number, term: number, change: ConfChange, v: number[], learners: number[] = []): Entry {
  return { type: "conf", index, term, change, membership: { voters: v, learners } };
}

describe("kv/raft membership changes", () => {
  it("adds a voter: it starts empty, learns the whole log and membership, and counts in quorums", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.node(1).propose("before");
    c.stabilize();
    c.add(4, new MemoryStorage());
    const res = c.node(1).proposeConfChange({ type: "addVoter", nodeId: 4 });
    assert.ok(res.ok);
    // Takes effect on append, before it commits.
    assert.deepEqual(c.node(1).status().membership.voters, [1, 2, 3, 4]);
    c.stabilize();
    assert.deepEqual(c.node(4).status().membership, voters(1, 2, 3, 4));
    assert.deepEqual(c.appliedData(4), ["before"]);
    // Four voters need three: with 3 and 4 cut off, nothing commits.
    c.isolate(3);
    c.isolate(4);
    const p = c.node(1).propose("needs-three");
    c.stabilize();
    assert.ok(p.ok && c.node(1).status().commit < p.index);
    c.heal();
    c.tickAll(2);
    assert.ok(p.ok && c.node(1).status().commit >= p.index);
  });

  it("allows one pending change at a time, and none before the leader's no-op commits", () => {
    const c = Cluster.of([1, 2, 3]);
    // Elected, but the no-op has not been acknowledged yet.
    c.drop = (m) => m.type === "appendResp";
    c.elect(1);
    c.heal();
    assert.equal(c.node(1).status().role, "leader");
    assert.equal(c.node(1).status().commit, 0);
    const early = c.node(1).proposeConfChange({ type: "addLearner", nodeId: 4 });
    assert.ok(!early.ok && early.reason === "conf-change-pending");
    c.tickAll(2); // heartbeat replies unblock the probe; the no-op commits
    assert.equal(c.node(1).status().commit, 1);
    c.add(4, new MemoryStorage());
    c.add(5, new MemoryStorage());
    c.isolate(2);
    c.isolate(3);
    assert.ok(c.node(1).proposeConfChange({ type: "addLearner", nodeId: 4 }).ok);
    c.stabilize();
    const second = c.node(1).proposeConfChange({ type: "addLearner", nodeId: 5 });
    assert.ok(!second.ok && second.reason === "conf-change-pending");
    c.heal();
    c.tickAll(2);
    assert.ok(c.node(1).proposeConfChange({ type: "addLearner", nodeId: 5 }).ok);
  });

  it("refuses changes that make no sense and malformed ones", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    const dup = c.node(1).proposeConfChange({ type: "addVoter", nodeId: 2 });
    assert.ok(!dup.ok && dup.reason === "invalid-conf-change" && /already a voter/.test(dup.detail ?? ""));
    const missing = c.node(1).proposeConfChange({ type: "remove", nodeId: 9 });
    assert.ok(!missing.ok && missing.reason === "invalid-conf-change");
    assert.throws(() => c.node(1).proposeConfChange({ type: "remove", nodeId: 0 }), UserError);
    assert.throws(() => c.node(1).proposeConfChange({ type: "nope", nodeId: 2 } as never), UserError);
    const single = Cluster.of([1]);
    single.elect(1);
    const last = single.node(1).proposeConfChange({ type: "remove", nodeId: 1 });
    assert.ok(!last.ok && /last voter/.test(last.detail ?? ""));
  });

  it("removes a follower: the remaining two form the quorum", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    assert.ok(c.node(1).proposeConfChange({ type: "remove", nodeId: 3 }).ok);
    c.stabilize();
    c.remove(3);
    const p = c.node(1).propose("x");
    c.stabilize();
    assert.ok(p.ok && c.node(1).status().commit >= p.index);
    assert.deepEqual(c.appliedData(2), ["x"]);
  });

  it("removes the leader: it leads until the removal commits, then steps down and a new leader takes over", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    const res = c.node(1).proposeConfChange({ type: "remove", nodeId: 1 });
    assert.ok(res.ok);
    assert.equal(c.node(1).status().role, "leader", "still leading while the removal is uncommitted");
    c.stabilize();
    assert.equal(c.node(1).status().role, "follower");
    assert.ok(res.ok && c.node(2).status().commit >= res.index, "followers learned the removal committed");
    c.tickAll(40);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    assert.notEqual(leaders[0], 1);
    assert.notEqual(c.node(1).status().role, "candidate", "a removed node never campaigns");
    c.remove(1);
    const p = c.node(leaders[0]).propose("after");
    c.stabilize();
    assert.ok(p.ok);
    assert.deepEqual(c.appliedData(2), ["after"]);
    assert.deepEqual(c.appliedData(3), ["after"]);
  });

  it("learners receive the log but never count for commitment, and can be promoted", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.add(4, new MemoryStorage());
    assert.ok(c.node(1).proposeConfChange({ type: "addLearner", nodeId: 4 }).ok);
    c.stabilize();
    c.isolate(2);
    c.isolate(3);
    const p = c.node(1).propose("x");
    c.stabilize();
    assert.ok(p.ok && c.node(1).status().commit < p.index, "leader plus learner is not a quorum");
    assert.equal(c.node(4).log.lastIndex(), c.node(1).log.lastIndex(), "but the learner has the entry");
    c.heal();
    c.tickAll(2);
    assert.deepEqual(c.appliedData(4), ["x"]);
    for (let i = 0; i < 50; i++) c.node(4).tick();
    assert.equal(c.node(4).status().role, "follower", "learners do not campaign");
    assert.ok(c.node(1).proposeConfChange({ type: "addVoter", nodeId: 4 }).ok);
    c.stabilize();
    assert.deepEqual(c.node(4).status().membership, voters(1, 2, 3, 4));
  });

  it("an uncommitted configuration is undone when its entry is overwritten", () => {
    const n = new RaftNode({ id: 2, storage: new MemoryStorage(voters(1, 2, 3)), rng: rng(1) });
    n.step({ type: "append", from: 1, to: 2, term: 1, index: 0, logTerm: 0, commit: 0, entries: [
      { type: "normal", index: 1, term: 1, data: "" },
      confEntry(2, 1, { type: "addVoter", nodeId: 4 }, [1, 2, 3, 4]),
    ] });
    assert.deepEqual(n.status().membership.voters, [1, 2, 3, 4]);
    // Leader 3 of term 2 never had the conf entry; its index 2 replaces it.
    n.step({ type: "append", from: 3, to: 2, term: 2, index: 1, logTerm: 1, commit: 1, entries: [
      { type: "normal", index: 2, term: 2, data: "" },
    ] });
    assert.deepEqual(n.status().membership.voters, [1, 2, 3]);
    assert.equal(n.log.term(2), 2);
  });

  it("a restarted node recovers its configuration from the log, uncommitted entries included", () => {
    const storage = new MemoryStorage(voters(1, 2, 3));
    storage.append([{ type: "normal", index: 1, term: 1, data: "" }, confEntry(2, 1, { type: "remove", nodeId: 3 }, [1, 2])]);
    storage.setHardState({ term: 1, vote: 1, commit: 1 });
    const n = new RaftNode({ id: 2, storage, rng: rng(1) });
    assert.deepEqual(n.status().membership.voters, [1, 2]);
  });
});
