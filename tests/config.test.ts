import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { dataMirror, defaultMirror, projectRoot, runMode } from "../src/config";
import { UserError } from "../src/errors";
import { withEnv } from "./support/tmp";

describe("config", () => {
  it("finds the project root from inside src/", () => {
    assert.ok(fs.existsSync(path.join(projectRoot(), "package.json")));
    assert.ok(fs.existsSync(path.join(projectRoot(), "src", "config.ts")));
  });

  it("reads the run mode, full by default, and rejects anything else", async () => {
    await withEnv({ WS_MODE: undefined }, () => assert.equal(runMode(), "full"));
    await withEnv({ WS_MODE: "quick" }, () => assert.equal(runMode(), "quick"));
    await withEnv({ WS_MODE: "fast" }, () => assert.throws(() => runMode(), (e: Error) => e instanceof UserError && /"full" or "quick", not "fast"/.test(e.message)));
  });

  it("resolves the data mirror relative to the project root, and refuses one that does not exist", async () => {
    await withEnv({ WS_DATA_MIRROR: "tests/fixtures" }, () => assert.equal(dataMirror(), path.join(projectRoot(), "tests", "fixtures")));
    await withEnv({ WS_DATA_MIRROR: "no/such/folder" }, () => assert.throws(() => dataMirror(), /does not exist/));
  });

  it("falls back to workspace.json's mirror where it exists when none is configured, and 'none' turns it off", async () => {
    const fallback = defaultMirror();
    assert.ok(fallback, "workspace.json names a default mirror");
    await withEnv({ WS_DATA_MIRROR: undefined }, () => assert.equal(dataMirror(), fs.existsSync(fallback) ? fallback : undefined));
    await withEnv({ WS_DATA_MIRROR: "none" }, () => assert.equal(dataMirror(), undefined));
  });
});
