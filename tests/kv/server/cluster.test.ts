import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { KvClient, KvError } from "../../../src/kv/client/kv-client";
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from "../../../src/kv/validate";
import type { WatchEvent } from "../../../src/kv/commands";
import { FrameDecoder, FrameKind, helloFrame, type Frame, type Hello } from "../../../src/kv/server/peer-frames";
import { addressesFor, TestCluster } from "./support";

const b64 = (s: string) => Buffer.from(s).toString("base64");

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers }, redirect: "manual" });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Opens a peer connection with `hello` and returns the reason of the Error frame the node closes it with. */
async function peerRefusal(peerUrl: string, hello: Hello): Promise<string> {
  const s = connect(Number(new URL(peerUrl).port), "127.0.0.1");
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  s.on("data", (c: Buffer) => frames.push(...decoder.push(c)));
  s.on("error", () => {});
  s.write(helloFrame(hello));
  await new Promise((r) => s.once("close", r));
  const refusal = frames.find((f) => f.kind === FrameKind.Error);
  return refusal ? String(JSON.parse(refusal.payload.toString()).reason) : "(closed without a reason)";
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("kv server: a 3-node cluster on loopback", function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  let client: KvClient;

  before(async () => {
    cluster = await TestCluster.start(3);
    await cluster.leader();
    client = cluster.client();
  });
  after(async () => cluster.close());

  it("writes through the leader and reads linearizably from every node", async () => {
    const w = await client.put("greeting", "hello");
    assert.ok(w.revision >= 1);
    for (const id of [1, 2, 3]) {
      const one = new KvClient({ endpoints: [cluster.members[id].clientUrl] });
      assert.equal((await one.get("greeting"))?.toString(), "hello", `node ${id}`);
    }
  });

  it("redirects a write sent to a follower to the leader (307 with its URL)", async () => {
    const leader = await cluster.leader();
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    const r = await post(`${cluster.members[follower].clientUrl}/v1/write`, JSON.stringify({ op: "put", key: b64("k"), value: b64("v") }));
    assert.equal(r.status, 307);
    assert.equal(r.body.leaderUrl, cluster.members[leader].clientUrl);
    const viaFollower = new KvClient({ endpoints: [cluster.members[follower].clientUrl] });
    await viaFollower.put("k", "v2");
    assert.equal((await client.get("k"))?.toString(), "v2");
  });

  it("applies a retried write (same client and seq) once", async () => {
    const url = `${cluster.members[await cluster.leader()].clientUrl}/v1/write`;
    const cmd = JSON.stringify({ op: "put", key: b64("dedup"), value: b64("1"), client: "test-client", seq: 1 });
    const first = await post(url, cmd);
    const second = await post(url, cmd);
    assert.equal(first.status, 200);
    assert.deepEqual(second.body, first.body);
    const r = await client.range({ gte: b64("dedup"), lte: b64("dedup") });
    assert.equal(r.kvs[0].version, 1);
  });

  it("does atomic batches, compare-and-swap and bounded scans", async () => {
    await client.batch([
      { type: "put", key: "user/1", value: "ada" },
      { type: "put", key: "user/2", value: "bob" },
      { type: "put", key: "user/3", value: "cy" },
      { type: "put", key: "uses", value: "x" },
    ]);
    const rows = await client.scan({ prefix: "user/" });
    assert.deepEqual(rows.map((r) => r.value.toString()), ["ada", "bob", "cy"]);
    const rev = rows[0].modRevision;
    const swap = await client.txn([{ key: b64("user/1"), target: "modRevision", result: "=", value: rev }], [{ op: "put", key: b64("user/1"), value: b64("ada2") }]);
    assert.equal(swap.succeeded, true);
    const stale = await client.txn([{ key: b64("user/1"), target: "modRevision", result: "=", value: rev }], [{ op: "put", key: b64("user/1"), value: b64("lost") }]);
    assert.equal(stale.succeeded, false);
    assert.equal((await client.get("user/1"))?.toString(), "ada2");
    const last = await client.scan({ prefix: "user/", limit: 1, reverse: true });
    assert.equal(last[0].key.toString(), "user/3");
  });

  it("streams a prefix watch: history from a revision, then live changes", async () => {
    const w1 = await client.put("w/a", "1");
    await client.put("other", "x");
    const seen: WatchEvent[] = [];
    const stop = await client.watch("w/", (evs) => seen.push(...evs), { from: w1.revision });
    await client.put("w/b", "2");
    await client.del("w/a");
    await until(() => seen.length >= 3, "three watch events");
    stop();
    assert.deepEqual(seen.map((e) => [e.type, Buffer.from(e.key, "base64").toString()]), [["put", "w/a"], ["put", "w/b"], ["del", "w/a"]]);
    assert.ok(seen[1].revision > seen[0].revision && seen[2].revision > seen[1].revision);
  });

  it("answers malformed and oversized requests with a 4xx that says what is wrong", async () => {
    const url = cluster.members[await cluster.leader()].clientUrl;
    const bad = await post(`${url}/v1/write`, "{nope");
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /JSON/);
    const unknownOp = await post(`${url}/v1/write`, JSON.stringify({ op: "explode" }));
    assert.equal(unknownOp.status, 400);
    const bigKey = await post(`${url}/v1/write`, JSON.stringify({ op: "put", key: Buffer.alloc(MAX_KEY_BYTES + 1, 97).toString("base64"), value: "" }));
    assert.equal(bigKey.status, 400);
    assert.match(String(bigKey.body.error), new RegExp(String(MAX_KEY_BYTES)));
    const route = await fetch(`${url}/v2/nothing`);
    assert.equal(route.status, 404);
    const bigValue = client.put("k", Buffer.alloc(MAX_VALUE_BYTES + 1));
    await assert.rejects(bigValue, (e: KvError) => e.status === 400 && e.message.includes(String(MAX_VALUE_BYTES)));
  });

  it("keeps serving writes after the leader stops, and a restarted node recovers from disk", async () => {
    const old = await cluster.leader();
    await cluster.stopNode(old);
    const rest = [1, 2, 3].filter((id) => id !== old);
    const survivors = cluster.client(rest);
    await survivors.put("after-failover", "yes");
    assert.equal((await survivors.get("after-failover"))?.toString(), "yes");
    await cluster.startNode(old);
    const back = cluster.servers.get(old)!;
    await until(async () => back.replica.sm.appliedIndex >= cluster.servers.get(rest[0])!.replica.sm.appliedIndex, "restarted node to catch up");
    const local = await back.replica.read({ gte: b64("greeting"), lte: b64("greeting") }, true);
    assert.equal(Buffer.from(local.kvs[0].value!, "base64").toString(), "hello");
  });
});

describe("kv server: snapshots, membership, auth and corruption", function () {
  this.timeout(90_000);

  it("a new member catches up through a streamed snapshot, and can be removed again", async () => {
    const cluster = await TestCluster.start(3, { snapshotEvery: 20 });
    try {
      await cluster.leader();
      const client = cluster.client();
      for (let i = 0; i < 60; i++) await client.put(`key/${String(i).padStart(2, "0")}`, `value ${i}`);
      const leaderStatus = await client.status();
      assert.ok(Number(leaderStatus.firstIndex) > 1, "the leader compacted its log");
      const extra = await addressesFor([4]);
      await client.addMember(4, extra[4].peerUrl, extra[4].clientUrl);
      const node4 = await cluster.startNode(4, true, { ...cluster.members, ...extra });
      const leader = cluster.servers.get(await cluster.leader())!;
      await until(() => node4.replica.sm.appliedIndex >= leader.replica.sm.appliedIndex, "node 4 to catch up", 20_000);
      const rows = await node4.replica.read({ gte: b64("key/"), lt: b64("key0") }, true);
      assert.equal(rows.kvs.length, 60);
      assert.ok(node4.replica.node.status().firstIndex > 1, "node 4 started from a snapshot, not from entry 1");
      assert.deepEqual(node4.replica.node.status().membership.voters, [1, 2, 3, 4]);
      await client.removeMember(4);
      await until(() => leader.replica.node.status().membership.voters.length === 3, "node 4's removal");
      await client.put("after-removal", "ok"); // a 3-voter quorum still commits without node 4
    } finally {
      await cluster.close();
    }
  });

  it("requires the shared token on client and peer ports when one is set", async () => {
    const cluster = await TestCluster.start(3, { token: "s3cret" });
    try {
      await cluster.leader();
      await cluster.client().put("a", "1"); // peers authenticate to each other, or nothing would commit
      const url = cluster.members[1].clientUrl;
      assert.equal((await fetch(`${url}/v1/status`)).status, 401);
      assert.equal((await post(`${url}/v1/members`, JSON.stringify({ type: "remove", nodeId: 2 }))).status, 401);
      assert.match(await peerRefusal(cluster.members[1].peerUrl, { from: 2, to: 1, token: "wrong" }), /wrong token/);
      await assert.rejects(cluster.client(undefined, "wrong").put("a", "2"), (e: KvError) => e.status === 401);
    } finally {
      await cluster.close();
    }
  });

  it("refuses to start on a corrupt log rather than serve bad data", async () => {
    const cluster = await TestCluster.start(3);
    try {
      await cluster.leader();
      await cluster.client().put("a", "1");
      await cluster.stopNode(2);
      writeFileSync(join(cluster.dir, "node-2", "raft", "CURRENT"), "garbage\n");
      await assert.rejects(cluster.startNode(2), /corrupt/i);
    } finally {
      await cluster.close();
    }
  });
});
