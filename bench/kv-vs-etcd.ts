/**
 * Distributed LevelDB against etcd 3.4, 3 nodes each on loopback, fsync on, same election timing
 * (heartbeat 50 ms, election timeout 500 ms): writes/s and latency with 1 and 64 clients, linearizable
 * reads/s, and time from a leader kill to the first acknowledged write.
 *   npm run bench:kv -- [--seconds 5] [--failovers 10] [--only ours|etcd] [--out file.json]
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runMain, UserError } from "../src/errors";
import { compareWithEtcd, type TargetFigures } from "../src/kv/bench/compare";
import { etcdVersion } from "../src/kv/bench/etcd";
import { freePorts } from "../src/util/ports";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" }, failovers: { type: "string", default: "10" }, only: { type: "string" }, out: { type: "string" } } });
  const seconds = Number(values.seconds);
  const failovers = Number(values.failovers);
  if (!(seconds > 0) || !Number.isInteger(failovers) || failovers < 0) throw new UserError("--seconds must be > 0 and --failovers a non-negative integer");
  if (values.only && values.only !== "ours" && values.only !== "etcd") throw new UserError("--only must be ours or etcd");
  if (!values.only && !etcdVersion()) console.log("etcd is not installed (Debian: etcd-server): measuring our store alone");
  const targets = values.only ? [values.only as "ours" | "etcd"] : etcdVersion() ? ["ours" as const, "etcd" as const] : ["ours" as const];
  const r = await compareWithEtcd({ seconds, failovers, timing: { heartbeatMs: 50, electionMs: 500 }, targets, freePorts, log: (l) => console.log(l) });
  const by = (n: string) => r.figures.find((f) => f.name === n);
  const ours = by("ours");
  const etcd = by("etcd");
  const row = (label: string, get: (f: TargetFigures) => number, digits = 0) => {
    const a = ours ? get(ours) : NaN;
    const b = etcd ? get(etcd) : NaN;
    console.log(`${label.padEnd(34)} ${a.toFixed(digits).padStart(10)} ${b.toFixed(digits).padStart(10)} ${(a / b).toFixed(2).padStart(7)}`);
  };
  console.log(`\n${"".padEnd(34)} ${"ours".padStart(10)} ${`etcd ${r.etcdVersion ?? "?"}`.padStart(10)} ${"ratio".padStart(7)}`);
  row("writes/s, 1 client", (f) => f.writes1.opsPerSec);
  row("write p50 ms, 1 client", (f) => f.writes1.p50Ms, 2);
  row("write p99 ms, 1 client", (f) => f.writes1.p99Ms, 2);
  row("writes/s, 64 clients", (f) => f.writes64.opsPerSec);
  row("write p50 ms, 64 clients", (f) => f.writes64.p50Ms, 2);
  row("write p99 ms, 64 clients", (f) => f.writes64.p99Ms, 2);
  row("linearizable reads/s, 64 clients", (f) => f.reads64.opsPerSec);
  row("failover p50 ms (kill -> write)", (f) => f.failoverP50Ms);
  row("failover p99 ms", (f) => f.failoverP99Ms);
  if (values.out) writeFileSync(values.out, JSON.stringify(r, null, 2) + "\n");
}

runMain(main);
