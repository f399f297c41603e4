/** The fault proxy on its own, in front of a tiny echo server: pass, delay (in order), drop, cut, heal. */
import { strict as assert } from "node:assert";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { LinkProxy } from "../../../src/kv/faults/proxy";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connected socket through the proxy that collects what comes back, and whether it was closed. */
async function open(port: number): Promise<{ s: Socket; got: () => string; closed: () => boolean }> {
  const s = connect(port, "127.0.0.1");
  let data = "";
  let closed = false;
  s.on("data", (b: Buffer) => (data += b.toString()));
  s.on("error", () => {});
  s.on("close", () => (closed = true));
  await new Promise<void>((ok, fail) => {
    s.once("connect", ok);
    s.once("error", fail);
  });
  return { s, got: () => data, closed: () => closed };
}

async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

describe("kv faults: link proxy", () => {
  let echo: Server;
  let proxy: LinkProxy;

  beforeEach(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((ok) => echo.listen(0, "127.0.0.1", ok));
    proxy = await LinkProxy.start((echo.address() as AddressInfo).port);
  });

  afterEach(async () => {
    await proxy.close();
    echo.close();
  });

  it("passes bytes both ways", async () => {
    const c = await open(proxy.port);
    c.s.write("hello");
    assert.ok(await until(() => c.got() === "hello"));
    c.s.destroy();
  });

  it("delays every chunk and keeps their order", async () => {
    proxy.delay(100, 20);
    const c = await open(proxy.port);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      c.s.write(`${i},`);
      await sleep(2);
    }
    const want = Array.from({ length: 20 }, (_, i) => `${i},`).join("");
    assert.ok(await until(() => c.got() === want), `got ${c.got()}`);
    assert.ok(Date.now() - t0 >= 200, "both directions are delayed");
    c.s.destroy();
  });

  it("drop blackholes a link without closing it, and heal destroys the holed connection", async () => {
    const before = await open(proxy.port);
    proxy.drop();
    before.s.write("lost");
    const fresh = await open(proxy.port); // still accepted
    fresh.s.write("lost too");
    await sleep(200);
    assert.equal(before.got(), "");
    assert.equal(fresh.got(), "");
    assert.equal(before.closed() || fresh.closed(), false);
    proxy.heal();
    assert.ok(await until(() => before.closed() && fresh.closed()), "holed connections are destroyed on heal");
    const after = await open(proxy.port);
    after.s.write("back");
    assert.ok(await until(() => after.got() === "back"));
    after.s.destroy();
  });

  it("cut destroys current and new connections until heal", async () => {
    const c = await open(proxy.port);
    proxy.cut();
    assert.ok(await until(() => c.closed()));
    const refused = connect(proxy.port, "127.0.0.1");
    refused.on("error", () => {});
    assert.ok(await until(() => refused.destroyed || refused.closed));
    proxy.heal();
    const again = await open(proxy.port);
    again.s.write("ok");
    assert.ok(await until(() => again.got() === "ok"));
    again.s.destroy();
  });
});
