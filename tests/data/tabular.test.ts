import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readCsvFrame, readDecompressed } from "../../src/data/tabular";
import { UserError } from "../../src/errors";
import { tempDir } from "../support/tmp";

const fixtures = path.join(__dirname, "..", "fixtures");

describe("data/tabular", () => {
  const dir = tempDir();

  for (const name of ["small.csv", "small.csv.gz", "small.csv.xz"]) {
    it(`reads ${name} into a polars frame`, async () => {
      const df = await readCsvFrame(path.join(fixtures, name), { requireColumns: ["id", "score"] });
      assert.deepEqual(df.columns, ["id", "name", "score"]);
      assert.equal(df.height, 3);
      assert.deepEqual(df.getColumn("name").toArray(), ["alpha", "beta", "gamma, quoted"]);
      assert.equal(df.getColumn("score").sum(), 3.75);
    });
  }

  it("names the file and the missing columns", async () => {
    await assert.rejects(readCsvFrame(path.join(fixtures, "small.csv"), { requireColumns: ["id", "label"] }), /small\.csv: missing column\(s\) label; found id, name, score/);
  });

  it("rejects a malformed CSV naming the file", async () => {
    await assert.rejects(readCsvFrame(path.join(fixtures, "malformed.csv")), (e: Error) => e instanceof UserError && /malformed CSV malformed\.csv/.test(e.message));
  });

  it("rejects a corrupt .xz and a missing file", async () => {
    const bad = path.join(dir, "bad.csv.xz");
    fs.writeFileSync(bad, "this is not xz");
    await assert.rejects(readDecompressed(bad), /bad\.csv\.xz: not a valid xz stream/);
    await assert.rejects(readDecompressed(path.join(dir, "none.csv")), /does not exist/);
  });
});
