import * as assert from "node:assert/strict";
import { UserError } from "../../../src/errors";
import { Cluster } from "./harness";

describe("kv/raft ReadIndex", () => {
  it("answers only after a quorum acknowledges the heartbeat carrying the request", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.node(1).propose("x");
    c.stabilize();
    const commit = c.node(1).status().commit;
    assert.ok(c.node(1).readIndex("r1").ok);
    const beats = c.takeQueued();
    assert.deepEqual(beats.map((m) => m.type), ["heartbeat", "heartbeat"]);
    assert.ok(beats.every((m) => m.type === "heartbeat" && m.ctx === "r1"));
    assert.deepEqual(c.member(1).readStates, [], "nothing before any acknowledgement");
    c.deliver(beats.filter((m) => m.to === 2));
    const acks = c.takeQueued();
    c.deliver(acks);
    c.takeQueued();
    assert.deepEqual(c.member(1).readStates, [{ index: commit, ctx: "r1" }], "leader plus node 2 is a quorum");
  });

  it("a leader cut off from the majority never answers, while the majority moves on", () => {
    const c = Cluster.of([1, 2, 3], { checkQuorum: false });
    c.elect(1);
    c.isolate(1);
    assert.ok(c.node(1).readIndex("stale").ok);
    c.tickAll(30);
    const leader = c.leaders().find((id) => id !== 1);
    assert.ok(leader !== undefined);
    c.node(leader).propose("newer");
    c.stabilize();
    c.tickAll(5);
    assert.equal(c.node(1).status().role, "leader", "it still believes it leads");
    assert.deepEqual(c.member(1).readStates, [], "but its read is never confirmed");
  });

  it("a follower's request is forwarded to the leader and answered with the leader's commit index", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    for (let i = 0; i < 3; i++) c.node(1).propose(`v${i}`);
    c.stabilize();
    assert.ok(c.node(3).readIndex("f1").ok);
    c.stabilize();
    assert.deepEqual(c.member(3).readStates, [{ index: c.node(1).status().commit, ctx: "f1" }]);
    assert.ok(c.node(3).status().applied >= c.member(3).readStates[0].index);
  });

  it("a new leader waits for its no-op to commit before answering", () => {
    const c = Cluster.of([1, 2, 3]);
    c.drop = (m) => m.type === "appendResp";
    c.elect(1);
    assert.equal(c.node(1).status().commit, 0);
    c.node(1).readIndex("early");
    c.stabilize();
    assert.deepEqual(c.member(1).readStates, []);
    c.heal();
    c.tickAll(3);
    assert.deepEqual(c.member(1).readStates, [{ index: 1, ctx: "early" }]);
  });

  it("answers at once on a single voter and in lease mode", () => {
    const single = Cluster.of([1]);
    single.elect(1);
    single.node(1).readIndex("a");
    single.stabilize();
    assert.deepEqual(single.member(1).readStates, [{ index: 1, ctx: "a" }]);

    const lease = Cluster.of([1, 2, 3], { readMode: "lease" });
    lease.elect(1);
    lease.node(1).readIndex("b");
    const out = lease.takeQueued();
    assert.deepEqual(out.filter((m) => m.type === "heartbeat"), [], "no confirmation round");
    assert.deepEqual(lease.member(1).readStates, [{ index: 1, ctx: "b" }]);
  });

  it("validates ctx and reports a missing leader", () => {
    const c = Cluster.of([1, 2, 3]);
    assert.throws(() => c.node(1).readIndex(""), UserError);
    const r = c.node(2).readIndex("x");
    assert.ok(!r.ok && r.reason === "no-leader");
  });
});
