import * as assert from "node:assert/strict";
import { MemoryStorage, RaftNode, type Message, type VoteRequest } from "../../../src/kv/raft";
import { rng } from "../../../src/util/random";
import { Cluster, storageWith, voters } from "./harness";

function vote(from: number, to: number, term: number, index: number, logTerm: number): VoteRequest {
  return { type: "vote", from, to, term, index, logTerm, transfer: false };
}

function replies(node: RaftNode): Message[] {
  const rd = node.ready();
  node.advance(rd);
  return rd.messages;
}

describe("kv/raft election", () => {
  it("a single node elects itself after an election timeout and commits its no-op", () => {
    const c = Cluster.of([1]);
    c.tickAll(20);
    const s = c.node(1).status();
    assert.equal(s.role, "leader");
    assert.equal(s.term, 1);
    assert.equal(s.commit, 1);
    assert.equal(c.member(1).applied.length, 1);
  });

  it("three nodes elect exactly one leader that the others follow", () => {
    const c = Cluster.of([1, 2, 3]);
    c.tickAll(25);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    const term = c.node(leaders[0]).status().term;
    for (const id of [1, 2, 3]) {
      assert.equal(c.node(id).status().lead, leaders[0]);
      assert.equal(c.node(id).status().term, term);
      assert.equal(c.node(id).status().commit, 1);
    }
  });

  it("a split vote elects nobody, then a later election succeeds", () => {
    const c = Cluster.of([1, 2, 3, 4], { preVote: false });
    // 1 and 2 campaign at once in term 1; 3 only hears 1 and 4 only hears 2: two votes each of four.
    c.drop = (m) => (m.type === "vote" && m.from === 1 && m.to === 4) || (m.type === "vote" && m.from === 2 && m.to === 3);
    c.node(1).campaign();
    c.node(2).campaign();
    c.stabilize();
    assert.deepEqual(c.leaders(), []);
    assert.equal(c.node(1).status().role, "candidate");
    assert.equal(c.node(2).status().role, "candidate");
    c.heal();
    c.tickAll(60);
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    assert.ok(c.node(leaders[0]).status().term >= 2, "the retry happens in a later term");
  });

  it("any role steps down to follower on a message with a higher term", () => {
    for (const role of ["follower", "candidate", "leader"] as const) {
      const c = Cluster.of([1, 2, 3], { checkQuorum: false, preVote: false });
      const n = c.node(1);
      if (role === "candidate") n.campaign();
      if (role === "leader") c.elect(1);
      c.takeQueued();
      assert.equal(n.status().role, role);
      const term = n.status().term;
      n.step({ type: "heartbeat", from: 2, to: 1, term: term + 3, commit: 0, ctx: "" });
      const s = n.status();
      assert.equal(s.role, "follower", role);
      assert.equal(s.term, term + 3, role);
      assert.equal(s.lead, 2, role);
      assert.equal(s.vote, 0, role);
    }
  });

  it("votes at most once per term, repeating the grant to the same candidate", () => {
    const n = new RaftNode({ id: 1, storage: new MemoryStorage(voters(1, 2, 3)), rng: rng(1) });
    n.step(vote(2, 1, 2, 0, 0));
    assert.deepEqual(replies(n).map((m) => m.type === "voteResp" && m.reject), [false]);
    n.step(vote(3, 1, 2, 0, 0));
    assert.deepEqual(replies(n).map((m) => m.type === "voteResp" && m.reject), [true]);
    n.step(vote(2, 1, 2, 0, 0));
    assert.deepEqual(replies(n).map((m) => m.type === "voteResp" && m.reject), [false]);
    assert.equal(n.status().vote, 2);
    // A new term frees the vote.
    n.step(vote(3, 1, 3, 0, 0));
    assert.deepEqual(replies(n).map((m) => m.type === "voteResp" && m.reject), [false]);
  });

  it("rejects candidates whose log is less up to date (§5.4.1)", () => {
    // Voter's log: terms [1, 1, 2] -> last index 3, last term 2.
    const cases: [index: number, logTerm: number, granted: boolean][] = [
      [3, 2, true],
      [4, 2, true],
      [1, 3, true],
      [2, 2, false],
      [5, 1, false],
      [0, 0, false],
    ];
    for (const [index, logTerm, granted] of cases) {
      const n = new RaftNode({ id: 1, storage: storageWith(voters(1, 2, 3), [1, 1, 2]), rng: rng(2) });
      n.step(vote(2, 1, 3, index, logTerm));
      const [r] = replies(n);
      assert.ok(r.type === "voteResp");
      assert.equal(!r.reject, granted, `candidate at (${index}, ${logTerm})`);
      assert.equal(n.status().term, 3, "a higher-term vote request raises the term either way");
    }
  });

  it("pre-vote keeps a rejoining partitioned node from disrupting a stable leader", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    for (let i = 0; i < 5; i++) c.node(1).propose(`x${i}`);
    c.tickAll(100); // 3 keeps timing out, but pre-votes never raise its term
    assert.equal(c.node(3).status().term, term);
    assert.notEqual(c.node(3).status().role, "leader");
    c.heal();
    c.tickAll(50);
    assert.deepEqual(c.leaders(), [1]);
    assert.equal(c.node(1).status().term, term);
    assert.equal(c.node(3).status().commit, c.node(1).status().commit, "the rejoined node caught up");
  });

  it("without pre-vote the same rejoin forces a new election (the problem pre-vote solves)", () => {
    const c = Cluster.of([1, 2, 3], { preVote: false, checkQuorum: false });
    c.elect(1);
    const term = c.node(1).status().term;
    c.isolate(3);
    c.node(1).propose("x");
    c.tickAll(100);
    assert.ok(c.node(3).status().term > term + 1, "isolated node inflated its term");
    c.heal();
    c.tickAll(50);
    assert.ok(c.node(1).status().term > term, "the old leader was deposed by the higher term");
  });

  it("check-quorum makes an isolated leader step down while the majority elects another", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.isolate(1);
    c.tickAll(25);
    assert.equal(c.node(1).status().role, "follower");
    const leaders = c.leaders();
    assert.equal(leaders.length, 1);
    assert.notEqual(leaders[0], 1);
  });

  it("without check-quorum an isolated leader keeps believing it leads", () => {
    const c = Cluster.of([1, 2, 3], { checkQuorum: false });
    c.elect(1);
    c.isolate(1);
    c.tickAll(25);
    assert.equal(c.node(1).status().role, "leader");
  });

  it("a follower that recently heard its leader ignores a higher-term campaign (check-quorum lease)", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    const n = c.node(2);
    const term = n.status().term;
    n.step(vote(3, 2, term + 1, 100, term));
    assert.equal(n.status().term, term);
    assert.deepEqual(replies(n), []);
  });

  it("learners and removed nodes never campaign", () => {
    const storage = new MemoryStorage({ voters: [1, 2], learners: [3] });
    const n = new RaftNode({ id: 3, storage, rng: rng(3) });
    for (let i = 0; i < 100; i++) n.tick();
    assert.equal(n.status().role, "follower");
    assert.equal(n.hasReady(), false);
  });
});
