/** End to end: three real node processes started by the CLI, driven by the CLI, surviving a leader kill. */
import { strict as assert } from "node:assert";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { KvClient } from "../../../src/kv/client/kv-client";
import { waitForLeader } from "../../../src/kv/cli/local-cluster";
import { formatMembers } from "../../../src/kv/cli/members";
import { addressesFor } from "./support";

const CLI = resolve(__dirname, "../../../scripts/kv.ts");
const run = promisify(execFile);

describe("kv processes: CLI-started cluster survives a leader kill", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "kv-procs-"));
  const procs = new Map<number, ChildProcess>();
  let endpoints: string[] = [];

  const kv = async (...args: string[]) => (await run(process.execPath, ["--import", "tsx", CLI, ...args, "--endpoints", endpoints.join(",")])).stdout.trim();

  before(async () => {
    const members = await addressesFor([1, 2, 3]);
    endpoints = [1, 2, 3].map((id) => members[id].clientUrl);
    for (const id of [1, 2, 3]) {
      const args = ["--import", "tsx", CLI, "node", "--id", String(id), "--data", join(dir, `node-${id}`), "--members", formatMembers(members)];
      procs.set(id, spawn(process.execPath, args, { stdio: "ignore" }));
    }
    await waitForLeader(new KvClient({ endpoints }), endpoints, 60_000);
  });

  after(() => {
    for (const p of procs.values()) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes on the leader, reads linearizably from any node, kills the leader and keeps writing", async () => {
    assert.match(await kv("put", "colour", "blue"), /^OK \(revision \d+\)$/);
    for (const e of endpoints) {
      const one = await run(process.execPath, ["--import", "tsx", CLI, "get", "colour", "--endpoints", e]);
      assert.equal(one.stdout.trim(), "blue", e);
    }
    const status = await kv("status");
    assert.match(status, /leader/);
    assert.match(await kv("kill-leader"), /^killed node (\d)/);
    assert.match(await kv("put", "colour", "green"), /^OK/);
    assert.equal(await kv("get", "colour"), "green");
    assert.match(await kv("scan"), /colour\tgreen/);
  });
});
