/** The peer protocol on its own: framing, the hello check, message links with redial, snapshot transfer. */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "../../../src/kv/raft";
import { AddressBook } from "../../../src/kv/server/addresses";
import { checkHello, encodeFrame, FrameDecoder, FrameError, FrameKind, helloFrame, jsonFrame, MAX_FRAME_BYTES, type Frame } from "../../../src/kv/server/peer-frames";
import { PeerServer } from "../../../src/kv/server/peer-server";
import { downloadSnapshot } from "../../../src/kv/server/snapshot-transfer";
import { PeerTransport } from "../../../src/kv/server/transport";
import { setTimeout as sleep } from "node:timers/promises";

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const heartbeat = (from: number, to: number, term: number): Message => ({ type: "heartbeat", from, to, term, commit: 0, ctx: "" }) as Message;

/** Sends `bytes` to a peer port and collects the frames it answers with until it closes the connection. */
async function exchange(port: number, ...bytes: Buffer[]): Promise<Frame[]> {
  const s = connect(port, "127.0.0.1");
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  s.on("data", (c: Buffer) => frames.push(...decoder.push(c)));
  s.on("error", () => {});
  for (const b of bytes) s.write(b);
  await new Promise((r) => s.once("close", r));
  return frames;
}

const reason = (f: Frame) => (JSON.parse(f.payload.toString()) as { reason: string }).reason;

describe("kv peer protocol: framing", () => {
  const frames = [encodeFrame(FrameKind.Hello, '{"from":1}'), encodeFrame(FrameKind.Messages, "[]"), encodeFrame(FrameKind.SnapshotEnd), encodeFrame(FrameKind.SnapshotChunk, Buffer.alloc(3000, 7))];
  const all = Buffer.concat(frames);
  const summary = (fs: Frame[]) => fs.map((f) => `${f.kind}:${f.payload.length}:${f.payload[0] ?? "-"}`);
  const expected = ["1:10:123", "2:2:91", "5:0:-", "4:3000:7"];

  it("decodes frames split into single bytes", () => {
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (let i = 0; i < all.length; i++) got.push(...d.push(all.subarray(i, i + 1)));
    assert.deepEqual(summary(got), expected);
  });

  it("decodes frames merged into one chunk, and cut at arbitrary points", () => {
    assert.deepEqual(summary(new FrameDecoder().push(all)), expected);
    for (const cut of [1, 4, 5, 6, 14, 15, 22, 3000]) {
      const d = new FrameDecoder();
      assert.deepEqual(summary([...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))]), expected, `cut at ${cut}`);
    }
  });

  it("rejects an oversized length as soon as the header is in", () => {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    head[4] = FrameKind.Messages;
    assert.throws(() => new FrameDecoder().push(head), (e: Error) => e instanceof FrameError && /exceeds the limit/.test(e.message));
    assert.throws(() => new FrameDecoder(100).push(encodeFrame(FrameKind.Messages, "x".repeat(101)).subarray(0, 5)), FrameError);
  });

  it("rejects an unknown kind", () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0, 99])), /unknown frame kind 99/);
    // An HTTP request on the peer port: "POST" read as a length is far over the limit.
    assert.throws(() => new FrameDecoder().push(Buffer.from("POST /raft/messages HTTP/1.1\r\n")), FrameError);
  });

  it("checks the hello: token, sender, addressee", () => {
    const hello = (h: object): Frame => ({ kind: FrameKind.Hello, payload: Buffer.from(JSON.stringify(h)) });
    const known = (id: number) => id >= 1 && id <= 3;
    assert.equal(checkHello(hello({ from: 2, to: 1, token: "s3cret" }), 1, "s3cret", known), 2);
    assert.equal(checkHello(hello({ from: 2, to: 1, token: "" }), 1, undefined, known), 2);
    assert.throws(() => checkHello(hello({ from: 2, to: 1, token: "wrong" }), 1, "s3cret", known), /wrong token/);
    assert.throws(() => checkHello(hello({ from: 2, to: 1 }), 1, "s3cret", known), /wrong token/);
    assert.throws(() => checkHello(hello({ from: 9, to: 1, token: "s3cret" }), 1, "s3cret", known), /unknown node 9/);
    assert.throws(() => checkHello(hello({ from: 1, to: 1, token: "s3cret" }), 1, "s3cret", known), /unknown node 1/);
    assert.throws(() => checkHello(hello({ from: 2, to: 3, token: "s3cret" }), 1, "s3cret", known), /meant for node 3/);
    assert.throws(() => checkHello(hello({ from: "2", to: 1 }), 1, undefined, known), /bad sender id/);
    assert.throws(() => checkHello({ kind: FrameKind.Messages, payload: Buffer.from("[]") }, 1, undefined, known), /expected a hello/);
  });
});

describe("kv peer protocol: server, links and snapshots", function () {
  this.timeout(30_000);
  let dir: string;
  let server: PeerServer;
  let port: number;
  const received: Message[] = [];
  const served: Array<[number, boolean]> = [];

  const startServer = async (p = 0) => {
    server = new PeerServer({
      self: 1,
      token: "s3cret",
      snapDir: dir,
      known: (id) => id === 2 || id === 3,
      receive: (msgs) => received.push(...msgs),
      snapshotServed: (to, ok) => served.push([to, ok]),
    });
    await server.listen(p, "127.0.0.1");
    port = server.port;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kv-peer-"));
    received.length = 0;
    served.length = 0;
    await startServer();
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("closes a connection with a wrong token, saying why, and steps nothing", async () => {
    const frames = await exchange(port, helloFrame({ from: 2, to: 1, token: "wrong" }), jsonFrame(FrameKind.Messages, [heartbeat(2, 1, 1)]));
    assert.deepEqual(frames.map((f) => f.kind), [FrameKind.Error]);
    assert.match(reason(frames[0]), /wrong token/);
    assert.equal(received.length, 0);
  });

  it("closes a connection that sends messages before its hello, or speaks for another node", async () => {
    assert.match(reason((await exchange(port, jsonFrame(FrameKind.Messages, [heartbeat(2, 1, 1)])))[0]), /expected a hello/);
    const spoofed = await exchange(port, helloFrame({ from: 2, to: 1, token: "s3cret" }), jsonFrame(FrameKind.Messages, [heartbeat(3, 1, 1)]));
    assert.match(reason(spoofed[0]), /from node 3 on node 2's connection/);
    const junk = await exchange(port, helloFrame({ from: 2, to: 1, token: "s3cret" }), jsonFrame(FrameKind.Messages, [{ type: "rm -rf", from: 2, to: 1, term: 1 }]));
    assert.match(reason(junk[0]), /not a Raft message/);
    assert.match(reason((await exchange(port, Buffer.from([0, 0, 0, 1, 42, 0])))[0]), /unknown frame kind 42/);
    assert.equal(received.length, 0);
  });

  it("delivers a link's messages in order, and redials after the peer comes back", async () => {
    const unreachable: number[] = [];
    const book = new AddressBook({ 1: { peerUrl: `http://127.0.0.1:${port}`, clientUrl: "http://127.0.0.1:1" } });
    const t = new PeerTransport(2, book, { unreachable: (to) => unreachable.push(to), snapshotDone: () => {} }, "s3cret");
    try {
      for (let term = 1; term <= 200; term++) t.send([heartbeat(2, 1, term)]);
      await until(() => received.length === 200, "200 messages");
      assert.deepEqual(received.map((m) => m.term), Array.from({ length: 200 }, (_, k) => k + 1));
      // The peer goes away: the link notices, queues, redials with backoff, and delivers once it is back.
      await server.close();
      await until(() => unreachable.length > 0, "unreachable report");
      received.length = 0;
      t.send([heartbeat(2, 1, 500)]);
      await sleep(50);
      await startServer(port);
      await until(() => received.some((m) => m.term === 500), "the queued message after the redial");
      t.send([heartbeat(2, 1, 501)]);
      await until(() => received.some((m) => m.term === 501), "a message on the new connection");
    } finally {
      t.close();
    }
  });

  it("streams a snapshot file, verified, and reports the transfer", async () => {
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const file = "snap-0000000000000042.kvsnap";
    writeFileSync(join(dir, file), data);
    const sha = createHash("sha256").update(data).digest("hex");
    const dest = join(dir, "copy.kvsnap");
    const src = { self: 2, peer: 1, peerUrl: `http://127.0.0.1:${port}`, token: "s3cret" };
    await downloadSnapshot(src, file, sha, dest);
    assert.ok(readFileSync(dest).equals(data));
    await until(() => served.length === 1, "the transfer report");
    assert.deepEqual(served, [[2, true]]);

    const other = join(dir, "other.kvsnap");
    await assert.rejects(downloadSnapshot(src, file, "0".repeat(64), other), /does not match/);
    assert.ok(!existsSync(other) && !existsSync(`${other}.part`), "nothing left behind");
    await assert.rejects(downloadSnapshot(src, "snap-0000000000000099.kvsnap", sha, other), /refused: snapshot transfer: no snapshot/);
    await assert.rejects(downloadSnapshot({ ...src, token: "wrong" }, file, sha, other), /wrong token/);
    assert.ok(!existsSync(other));
  });
});
