import * as assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ephemeralRange, freePorts } from "../../src/util/ports";

const listen = (port: number) =>
  new Promise<Server>((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(port, "127.0.0.1", () => ok(s));
  });

describe("util/ports", () => {
  it("reads the ephemeral range from the kernel's file, and assumes the IANA range without one", () => {
    const dir = mkdtempSync(join(tmpdir(), "ports-"));
    writeFileSync(join(dir, "range"), "32768\t60999\n");
    assert.deepEqual(ephemeralRange(join(dir, "range")), [32768, 60999]);
    assert.deepEqual(ephemeralRange(join(dir, "missing")), [49152, 65535]);
  });

  it("gives distinct ports below the ephemeral range that can all be bound", async () => {
    const ports = await freePorts(6);
    assert.equal(new Set(ports).size, 6);
    for (const p of ports) assert.ok(p >= 10_000 && p < ephemeralRange()[0], `port ${p}`);
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  });

  it("skips a port that is in use", async () => {
    const [first] = await freePorts(1);
    const blocker = await listen(first + 1);
    try {
      // The next call starts right after `first`: it must step over the bound one.
      const next = await freePorts(2);
      assert.ok(!next.includes(first + 1), `${next} includes the bound port ${first + 1}`);
    } finally {
      await new Promise((ok) => blocker.close(ok));
    }
  });
});
