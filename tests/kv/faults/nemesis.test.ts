/**
 * CI-sized nemesis runs on real node processes: a leader kill, a partition isolating the leader, and the
 * crash-before-fsync failpoint. Each must stay linearizable, lose no acknowledged write, and show that the
 * faults really happened and the cluster served writes through them.
 */
import { strict as assert } from "node:assert";
import { rmSync } from "node:fs";
import { runNemesis, type RunResult } from "../../../src/kv/faults/nemesis";

function assertSound(r: RunResult): void {
  const where = `(logs: ${r.logsDir})`;
  assert.equal(r.error, undefined, `${r.error} ${where}`);
  assert.equal(r.check.ok, true, r.check.ok === false ? `${r.check.explanation}\n${where}` : `check: ${JSON.stringify(r.check)}`);
  assert.deepEqual(r.lostAckedWrites, [], `lost acknowledged writes ${where}`);
  assert.ok(r.ackedWrites > 0, "some durability writes were acknowledged");
  assert.ok(r.timeline.some((e) => e.event.startsWith("fault: ")), "faults were injected");
  assert.ok(r.writesAfterFaults > 0, "writes succeeded after the faults began");
}

describe("kv faults: nemesis runs on real processes", function () {
  this.timeout(60_000);

  it("kill-leader: a new leader takes over and failover is measured", async () => {
    const r = await runNemesis({ nemesis: "kill-leader", seed: 11, nodes: 3, seconds: 6 });
    assertSound(r);
    const kills = r.timeline.map((e) => /^killed leader (\d+)/.exec(e.event)).filter((m) => m !== null);
    assert.ok(kills.length > 0, "a leader was killed");
    const replaced = r.timeline.some((e, k) => {
      const next = /^leader is now (\d+)/.exec(e.event);
      const killed = [...r.timeline.slice(0, k)].reverse().map((x) => /^killed leader (\d+)/.exec(x.event)).find((m) => m);
      return next && killed && next[1] !== killed[1];
    });
    assert.ok(replaced, "another node became leader after the kill");
    assert.ok(r.failoverMs.length > 0 && r.failoverMs.every((ms) => ms < 10_000), `failover ${r.failoverMs}`);
  });

  it("partition-majority-minority: the majority side keeps serving", async () => {
    const r = await runNemesis({ nemesis: "partition-majority-minority", seed: 12, nodes: 3, seconds: 6 });
    assertSound(r);
    assert.ok(r.timeline.some((e) => e.event.startsWith("partition ")));
    // Writing a snapshot overlaps applies and compaction overlaps appends: exercise both under the faults.
    assert.ok(r.snapshots > 0, "nodes took snapshots and compacted their logs during the run");
  });

  it("failpoint: nodes crash between append and fsync and recover", async () => {
    const r = await runNemesis({ nemesis: "failpoint", seed: 13, nodes: 3, seconds: 7 });
    assertSound(r);
    assert.ok(r.timeline.some((e) => /exited by itself/.test(e.event)), "the failpoint fired at least once");
  });
});

describe("kv faults: a run is bounded in time", function () {
  this.timeout(60_000);

  it("stops at its hard deadline and reports a failed run instead of hanging", async () => {
    const t0 = Date.now();
    const r = await runNemesis({ nemesis: "pause", seed: 14, nodes: 3, seconds: 60, hardDeadlineMs: 8000 });
    try {
      assert.equal(r.ok, false);
      assert.match(r.error ?? "", /hard deadline/);
      assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
      assert.ok(r.logsKept && r.logsDir !== "");
    } finally {
      rmSync(r.logsDir, { recursive: true, force: true });
    }
  });
});
