import * as assert from "node:assert/strict";
import { Cluster } from "./harness";

describe("kv/raft leadership transfer", () => {
  it("hands leadership to an up-to-date voter at once, despite the followers' check-quorum lease", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    const term = c.node(1).status().term;
    assert.ok(c.node(1).transferLeadership(2).ok);
    c.stabilize();
    assert.deepEqual(c.leaders(), [2]);
    assert.equal(c.node(2).status().term, term + 1);
    assert.equal(c.node(1).status().lead, 2);
    assert.ok(c.delivered.some((m) => m.type === "timeoutNow" && m.to === 2));
  });

  it("catches a lagging target up first, then transfers", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 5; i++) c.node(1).propose(`v${i}`);
    c.stabilize();
    c.heal();
    assert.ok(c.node(1).transferLeadership(3).ok);
    c.stabilize();
    assert.deepEqual(c.leaders(), [3]);
    assert.deepEqual(c.appliedData(3), ["v0", "v1", "v2", "v3", "v4"]);
    const p = c.node(3).propose("after");
    c.stabilize();
    assert.ok(p.ok);
    assert.deepEqual(c.appliedData(1).slice(-1), ["after"]);
  });

  it("refuses proposals while transferring, and gives up after an election timeout", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    assert.ok(c.node(1).transferLeadership(3).ok);
    const p = c.node(1).propose("x");
    assert.ok(!p.ok && p.reason === "transferring");
    c.tickAll(10);
    assert.deepEqual(c.leaders(), [1]);
    assert.equal(c.node(1).status().leadTransferee, 0);
    assert.ok(c.node(1).propose("x").ok);
  });

  it("refuses to transfer to itself, to a non-voter, or from a follower", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    const self = c.node(1).transferLeadership(1);
    assert.ok(!self.ok && self.reason === "already-leader");
    const stranger = c.node(1).transferLeadership(9);
    assert.ok(!stranger.ok && stranger.reason === "not-a-voter");
    const follower = c.node(2).transferLeadership(3);
    assert.ok(!follower.ok && follower.reason === "not-leader" && follower.leader === 1);
  });
});
