import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../src/config";
import { tempDir } from "../support/tmp";

/** The CLI's argument errors: each is one "error: ..." line and exit code 1, before any corpus is loaded. */
describe("papers CLI (scripts/papers.ts): bad arguments", () => {
  const dir = tempDir("papers-cli");
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join("scripts", "papers.ts"), ...args], { cwd: projectRoot(), encoding: "utf8", timeout: 60_000 });
  const refuses = (args: string[], pattern: RegExp) => {
    const r = run(...args);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.doesNotMatch(r.stderr, /loading the corpus/);
  };

  it("refuses an empty query", () => refuses(["   "], /^error: the query is empty/m));
  it("refuses a missing query file", () => refuses(["--file", "no/such/abstract.txt"], /error: query file no\/such\/abstract\.txt does not exist/));
  it("refuses a directory as the query file, naming the reason", () => {
    refuses(["--file", dir], new RegExp(`error: cannot read query file ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: EISDIR`));
  });
  it("refuses an empty query file", () => {
    const file = path.join(dir, "empty.txt");
    fs.writeFileSync(file, "\n\n");
    refuses(["--file", file], /error: the query is empty/);
  });
  it("refuses two queries at once, a bad -k and an unknown ranker", () => {
    refuses(["text", "--id", "1234"], /error: give exactly one query/);
    refuses(["text", "-k", "0"], /error: -k must be an integer 1-1000/);
    refuses(["text", "--ranker", "magic"], /error: unknown ranker "magic"/);
  });
});
