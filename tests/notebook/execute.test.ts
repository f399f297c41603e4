import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { executeNotebook } from "../../src/notebook/execute";
import { tempDir } from "../support/tmp";

const fixtures = path.join(__dirname, "..", "fixtures", "notebooks");

/** Real kernel runs: tslab started through the project's kernelspec (scripts/setup.sh writes it). */
describe("notebook/execute (tslab kernel, nbclient)", function () {
  this.timeout(120000);
  const out = tempDir();

  it("runs a notebook that imports @ws/src, in the requested mode, and renders it", async () => {
    const o = await executeNotebook(path.join(fixtures, "ok.ipynb"), out, "quick", 60);
    assert.equal(o.ok, true, o.failure);
    const executed = JSON.parse(fs.readFileSync(path.join(out, "ok.ipynb"), "utf8"));
    assert.deepEqual(executed.cells[0].outputs[0].text, ["mode=quick\n"]);
    const html = fs.readFileSync(o.html, "utf8");
    assert.match(html, /fixture table/);
  });

  it("fails on a type error, naming the cell and the compiler's message", async () => {
    const o = await executeNotebook(path.join(fixtures, "type-error.ipynb"), out, "quick", 60);
    assert.equal(o.ok, false);
    assert.match(o.failure!, /^cell 2 \(code cell 2\) `const broken: number = "text";`: .*Type 'string' is not assignable to type 'number'/s);
    assert.ok(fs.existsSync(o.html), "a failed notebook is still rendered, to show where");
  });

  it("fails on a runtime error, naming the cell and the exception", async () => {
    const o = await executeNotebook(path.join(fixtures, "throws.ipynb"), out, "full", 60);
    assert.equal(o.ok, false);
    assert.match(o.failure!, /^cell 2 \(code cell 2\) `throw new Error\("deliberate failure"\);`: .*deliberate failure/s);
  });
});
