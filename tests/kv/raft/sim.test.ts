import * as assert from "node:assert/strict";
import { runSimulation, SimFailure, type SimReport } from "../../../src/kv/raft/sim";

/** Seeds per cluster size for CI (about 30 s on a 2-core machine); scripts/raft-sim.ts runs more. */
const SEEDS = 200;
const STEPS = 2000;

describe("kv/raft simulation (seeded faults, invariants after every step)", function () {
  this.timeout(300_000);

  it("is deterministic for a seed", () => {
    assert.deepEqual(runSimulation({ seed: 7, nodes: 3, steps: 500 }), runSimulation({ seed: 7, nodes: 3, steps: 500 }));
  });

  for (const nodes of [3, 5]) {
    it(`${SEEDS} seeds x ${STEPS} steps on ${nodes} nodes keep every safety invariant and converge after healing`, () => {
      const failures: string[] = [];
      const reports: SimReport[] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        try {
          reports.push(runSimulation({ seed, nodes, steps: STEPS }));
        } catch (e) {
          if (!(e instanceof SimFailure)) throw e;
          console.log(`  raft sim FAILED (replay: tsx scripts/raft-sim.ts 1 ${seed} ${STEPS} ${nodes}): ${e.message}`);
          failures.push(`seed ${e.seed}: ${e.invariant}`);
        }
      }
      assert.deepEqual(failures, []);
      // The faults really happened and the features really ran.
      const sum = (k: keyof SimReport): number => reports.reduce((n, r) => n + r[k], 0);
      assert.ok(sum("acked") > SEEDS * 100, "writes were acknowledged");
      assert.ok(sum("leaderTerms") > SEEDS * 3, "leadership changed");
      assert.ok(sum("crashes") > SEEDS, "nodes crashed and restarted");
      assert.ok(sum("snapshotsInstalled") > SEEDS, "lagging nodes installed snapshots");
      assert.ok(sum("confChanges") > SEEDS, "membership changed");
      assert.ok(sum("reads") > SEEDS * 10, "linearizable reads were checked");
    });
  }
});
