import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { dataMirror, projectRoot } from "../../src/config";
import { CATALOGUE, dataset, locate, locateDataset, type Dataset } from "../../src/data";
import { UserError } from "../../src/errors";
import { tempDir, withEnv } from "../support/tmp";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("data/locate", () => {
  const mirror = tempDir("ws-mirror-");
  const content = "a,b\n1,2\n";
  const fixture = (id: string, extra: Partial<Dataset> = {}): Dataset => ({
    id,
    title: "fixture",
    licence: "CC0",
    origin: "tests",
    obtain: "make it in the test",
    mirror: "fx",
    files: [{ name: "t.csv", bytes: content.length, sha256: sha(content) }],
    ...extra,
  });
  fs.mkdirSync(path.join(mirror, "fx"));
  fs.writeFileSync(path.join(mirror, "fx", "t.csv"), content);

  it("finds a data set in the configured mirror and says so", async () => {
    const found = await withEnv({ WS_DATA_MIRROR: mirror }, () => locateDataset(fixture("fx-mirror")));
    assert.equal(found.provenance, "mirror");
    assert.equal(fs.readFileSync(found.path("t.csv"), "utf8"), content);
    assert.throws(() => found.path("other.csv"), /has no file other\.csv/);
  });

  it("prefers a user-supplied copy in data/raw/<id>", async () => {
    const id = `fx-user-${process.pid}`;
    const dir = path.join(projectRoot(), "data", "raw", id);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(path.join(dir, "t.csv"), content);
      const found = await withEnv({ WS_DATA_MIRROR: mirror }, () => locateDataset(fixture(id)));
      assert.equal(found.provenance, "user");
      assert.equal(found.dir, dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a checksum mismatch, showing both hashes", async () => {
    const wrong = "0".repeat(64);
    const ds = fixture("fx-bad", { files: [{ name: "t.csv", bytes: content.length, sha256: wrong }] });
    await withEnv({ WS_DATA_MIRROR: mirror }, () =>
      assert.rejects(locateDataset(ds), (e: Error) => e instanceof UserError && e.message.includes(`expected sha256 ${wrong}`) && e.message.includes(`actual   sha256 ${sha(content)}`)),
    );
  });

  const other = tempDir("ws-mirror2-");
  it("verifies once and then trusts the cache while size and mtime are unchanged", async () => {
    fs.mkdirSync(path.join(other, "fx"));
    const file = path.join(other, "fx", "t.csv");
    fs.writeFileSync(file, content);
    const t = 1_700_000_000; // whole seconds, so that utimes restores the mtime exactly
    fs.utimesSync(file, t, t);
    await withEnv({ WS_DATA_MIRROR: other }, () => locateDataset(fixture("fx-cache")));
    // Same size and mtime, different bytes: the cached verification stands (that is what the cache is for) ...
    fs.writeFileSync(file, content.replace("1", "9"));
    fs.utimesSync(file, t, t);
    await withEnv({ WS_DATA_MIRROR: other }, () => locateDataset(fixture("fx-cache")));
    // ... and a changed mtime forces a fresh check, which catches the change.
    fs.utimesSync(file, t, t + 5);
    await withEnv({ WS_DATA_MIRROR: other }, () => assert.rejects(locateDataset(fixture("fx-cache")), /checksum mismatch/));
  });

  it("names the data set, the expected files, the places tried and how to obtain it when missing", async () => {
    await withEnv({ WS_DATA_MIRROR: "none" }, () =>
      assert.rejects(locateDataset(fixture("fx-missing")), (e: Error) =>
        e instanceof UserError &&
        /data set fx-missing not found: expected t\.csv/.test(e.message) &&
        e.message.includes(path.join("data", "raw", "fx-missing")) &&
        e.message.includes("no data mirror is configured") &&
        e.message.includes("make it in the test"),
      ),
    );
  });

  it("reports a half-copied folder instead of falling through", async () => {
    const ds = fixture("fx-half", { files: [...fixture("x").files, { name: "u.csv", bytes: 1, sha256: sha("u") }] });
    await withEnv({ WS_DATA_MIRROR: mirror }, () => assert.rejects(locateDataset(ds), /incomplete in .*: missing u\.csv/));
  });

  it("generates a stand-in only when allowed, and flags it", async () => {
    const ds = fixture(`fx-standin-${process.pid}`, {
      mirror: undefined,
      standIn: { description: "two rows", generate: async (dir) => fs.writeFileSync(path.join(dir, "t.csv"), "a,b\n0,0\n") },
    });
    await assert.rejects(locateDataset(ds), /not found/);
    const found = await locateDataset(ds, { allowStandIn: true });
    assert.equal(found.provenance, "stand-in");
    assert.match(fs.readFileSync(found.path("t.csv"), "utf8"), /^a,b/);
    fs.rmSync(found.dir, { recursive: true, force: true });
  });

  it("rejects an unknown id and a mirror setting that points nowhere", async () => {
    assert.throws(() => dataset("nope"), /unknown data set "nope"; the catalogue has: mnist/);
    await withEnv({ WS_DATA_MIRROR: "/nonexistent/mirror" }, () => assert.rejects(locate("neurips-papers"), /does not exist/));
  });

  it("has complete entries: unique ids, 64-hex sha256s, licence, origin and a way to find each", () => {
    assert.equal(new Set(CATALOGUE.map((d) => d.id)).size, CATALOGUE.length);
    for (const d of CATALOGUE) {
      assert.ok(d.licence && d.origin && d.obtain, d.id);
      assert.ok(d.mirror || d.npm || d.standIn, `${d.id} has no source`);
      for (const f of d.files) assert.match(f.sha256, /^[0-9a-f]{64}$/, `${d.id}/${f.name}`);
    }
  });

  it("verifies every mirrored file against the catalogue when a mirror is configured", async function () {
    if (!dataMirror()) this.skip();
    for (const d of CATALOGUE.filter((x) => x.mirror)) {
      const found = await locate(d.id);
      assert.equal(found.provenance, "mirror", d.id);
    }
  });
});
