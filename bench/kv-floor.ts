/**
 * The floor under any 3-node replicated store on this machine: serial writes from one HTTP client to a
 * leader process, which sends each write to two follower processes over TCP; every node appends it to its
 * log and syncs (fdatasync on a preallocated file, or a synced LevelDB put), and the leader answers once
 * its own log and one follower's hold the write. No consensus logic and no state machine: what processes,
 * loopback and fsync alone cost, to set against `npm run bench:kv`'s figures for our store and etcd.
 *   npm run bench:kv-floor -- [--seconds 5] [--log file|leveldb]
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ClassicLevel } from "classic-level";
import { runMain, UserError } from "../src/errors";
import { freePorts } from "../src/util/ports";

const RECORD = Buffer.alloc(256, 1);

/** An append-and-sync log; `append` calls back once the record is durable. */
async function openLog(kind: string, dir: string): Promise<(done: () => void) => void> {
  if (kind === "leveldb") {
    const db = new ClassicLevel<string, Buffer>(join(dir, "log"), { valueEncoding: "buffer" });
    await db.open();
    let i = 0;
    return (done) => void db.put(String(i++).padStart(12, "0"), RECORD, { sync: true }).then(done);
  }
  const fd = fs.openSync(join(dir, "wal"), "w+");
  // Preallocated, so a sync flushes data only, not the file's growing size.
  fs.writeSync(fd, Buffer.alloc(64 << 20), 0, 64 << 20, 0);
  fs.fsyncSync(fd);
  let offset = 0;
  return (done) => {
    fs.writeSync(fd, RECORD, 0, RECORD.length, offset);
    offset += RECORD.length;
    fs.fdatasync(fd, done);
  };
}

async function follower(port: number, kind: string, dir: string): Promise<void> {
  const append = await openLog(kind, dir);
  net.createServer((s) => {
    s.setNoDelay(true);
    s.on("data", (d) => {
      for (let i = 0; i < d.length; i++) append(() => s.write("k"));
    });
  }).listen(port, "127.0.0.1", () => process.send?.("up"));
}

async function leader(port: number, peerPorts: number[], kind: string, dir: string): Promise<void> {
  const append = await openLog(kind, dir);
  // Followers acknowledge in the order they received writes: a follower's n-th ack is for write n.
  const pending = new Map<number, { own: boolean; peers: number; reply: () => void }>();
  let nextWrite = 0;
  const settle = (n: number) => {
    const w = pending.get(n);
    if (w && w.own && w.peers > 0) {
      pending.delete(n);
      w.reply();
    }
  };
  const peers = peerPorts.map((p) => {
    const c = net.connect(p, "127.0.0.1");
    c.setNoDelay(true);
    let acked = 0;
    c.on("data", (d) => {
      for (let i = 0; i < d.length; i++, acked++) {
        const w = pending.get(acked);
        if (w) w.peers++;
        settle(acked);
      }
    });
    return c;
  });
  http
    .createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const n = nextWrite++;
        pending.set(n, { own: false, peers: 0, reply: () => res.end("ok") });
        for (const c of peers) c.write("a");
        append(() => {
          pending.get(n)!.own = true;
          settle(n);
        });
      });
    })
    .listen(port, "127.0.0.1", () => process.send?.("up"));
}

function start(args: string[]): Promise<ChildProcess> {
  const p = spawn(process.execPath, ["--import", "tsx", __filename, ...args], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    p.once("message", () => resolve(p));
    p.once("exit", (code) => reject(new Error(`${args[0]} exited (code ${code}) before it was up`)));
  });
}

async function client(seconds: number, kind: string): Promise<void> {
  const [lp, p1, p2] = await freePorts(3);
  const dir = fs.mkdtempSync(join(tmpdir(), "kv-floor-"));
  const sub = (name: string) => {
    fs.mkdirSync(join(dir, name));
    return join(dir, name);
  };
  const procs: ChildProcess[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    procs.push(await start(["follower", String(p1), kind, sub("f1")]), await start(["follower", String(p2), kind, sub("f2")]));
    procs.push(await start(["leader", String(lp), `${p1},${p2}`, kind, sub("leader")]));
    const put = () =>
      new Promise<void>((resolve, reject) => {
        const q = http.request({ host: "127.0.0.1", port: lp, method: "POST", path: "/put", agent }, (res) => res.resume().on("end", resolve));
        q.on("error", reject);
        q.end("k=v");
      });
    for (let i = 0; i < 200; i++) await put(); // warm-up
    const lat: number[] = [];
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const t = performance.now();
      await put();
      lat.push(performance.now() - t);
    }
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(3);
    console.log(`floor (${kind} log): ${Math.round(lat.length / seconds).toLocaleString("en-US")} serial writes/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (${lat.length.toLocaleString("en-US")} writes in ${seconds} s)`);
  } finally {
    agent.destroy();
    for (const p of procs) p.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runMain(async () => {
  const [role, ...rest] = process.argv.slice(2);
  if (role === "follower") return follower(Number(rest[0]), rest[1], rest[2]);
  if (role === "leader") return leader(Number(rest[0]), rest[1].split(",").map(Number), rest[2], rest[3]);
  const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" }, log: { type: "string", default: "file" } } });
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new UserError(`--seconds must be > 0, not ${values.seconds}`);
  if (values.log !== "file" && values.log !== "leveldb") throw new UserError(`--log must be file or leveldb, not ${values.log}`);
  await client(seconds, values.log);
});
