import * as assert from "node:assert/strict";
import { UserError } from "../../../src/errors";
import { decodeData, encodeData, MemoryStorage, RaftNode, type RaftConfig } from "../../../src/kv/raft";
import { rng } from "../../../src/util/random";
import { Cluster, voters } from "./harness";

const base = (): RaftConfig => ({ id: 1, storage: new MemoryStorage(voters(1, 2, 3)), rng: rng(1) });

describe("kv/raft API contract", () => {
  it("rejects bad configuration with UserError", () => {
    const bad: Partial<RaftConfig>[] = [
      { id: 0 },
      { id: 1.5 },
      { electionTick: 0 },
      { electionTick: 5, heartbeatTick: 5 },
      { maxInflightMsgs: 0 },
      { readMode: "lease", checkQuorum: false },
      { applied: 3 },
    ];
    for (const b of bad) assert.throws(() => new RaftNode({ ...base(), ...b }), UserError, JSON.stringify(b));
  });

  it("hands the vote out for persisting in the same Ready as the reply that reveals it", () => {
    const n = new RaftNode(base());
    n.step({ type: "vote", from: 2, to: 1, term: 1, index: 0, logTerm: 0, transfer: false });
    const rd = n.ready();
    assert.deepEqual(rd.hardState, { term: 1, vote: 2, commit: 0 });
    assert.equal(rd.mustSync, true);
    assert.ok(rd.messages[0].type === "voteResp" && !rd.messages[0].reject);
    n.advance(rd);
    assert.equal(n.hasReady(), false, "nothing left once advanced");
  });

  it("requires advance() between two ready() calls, and allows steps in between", () => {
    const c = Cluster.of([1]);
    c.elect(1);
    const n = c.node(1);
    n.propose("a");
    const rd = n.ready();
    assert.throws(() => n.ready());
    n.propose("b"); // arrives while the caller is persisting
    c.member(1).storage.append(rd.entries);
    if (rd.hardState) c.member(1).storage.setHardState(rd.hardState);
    n.advance(rd);
    assert.throws(() => n.advance(rd));
    const next = n.ready();
    assert.deepEqual(next.entries.map((e) => (e.type === "normal" ? e.data : "")), ["b"]);
    n.advance(next);
  });

  it("emits only JSON-safe messages and entries", () => {
    const c = Cluster.of([1, 2, 3]);
    c.elect(1);
    c.node(1).propose(encodeData(new Uint8Array([0, 1, 2, 255])));
    c.node(1).proposeConfChange({ type: "addLearner", nodeId: 4 });
    c.tickAll(2);
    for (const m of c.delivered) assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
    const applied = c.member(2).applied.find((e) => e.type === "normal" && e.data !== "");
    assert.ok(applied?.type === "normal");
    assert.deepEqual(decodeData(applied.data), new Uint8Array([0, 1, 2, 255]));
  });

  it("base64 payload codec round-trips and rejects garbage", () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    assert.deepEqual(decodeData(encodeData(bytes)), bytes);
    assert.deepEqual(decodeData(encodeData(new Uint8Array(0))), new Uint8Array(0));
    assert.throws(() => decodeData("not base64!"), UserError);
  });

  it("is deterministic: the same seed and inputs give the same messages", () => {
    const run = (): string => {
      const c = Cluster.of([1, 2, 3]);
      c.tickAll(30);
      c.node(c.leaders()[0]).propose("x");
      c.tickAll(3);
      return JSON.stringify(c.delivered);
    };
    assert.equal(run(), run());
  });
});
