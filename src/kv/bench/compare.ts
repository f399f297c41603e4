/**
 * Ours against etcd on the same machine, one after the other (never at once: they would share the cores):
 * 3 nodes each on loopback, fsync on, the same election timing, the same closed-loop clients.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startEtcd, etcdVersion, type Timing } from "./etcd";
import { startOurs } from "./ours";
import { runLoad, type LoadResult } from "./load";
import { percentile } from "../../util/percentile";
import { freePorts } from "../../util/ports";
import type { BenchTarget } from "./target";

export interface TargetFigures {
  name: string;
  writes1: LoadResult;
  writes64: LoadResult;
  reads64: LoadResult;
  /** Milliseconds from SIGKILL of the leader to the first acknowledged write, per trial. */
  failoverMs: number[];
  failoverP50Ms: number;
  failoverP99Ms: number;
}

export interface CompareOptions {
  seconds: number;
  failovers: number;
  timing: Timing;
  targets: Array<"ours" | "etcd">;
  /** Defaults to loopback ports that are free now. */
  freePorts?: (n: number) => Promise<number[]>;
  log?: (line: string) => void;
}

export async function compareWithEtcd(o: CompareOptions): Promise<{ etcdVersion?: string; timing: Timing; figures: TargetFigures[] }> {
  const figures: TargetFigures[] = [];
  for (const name of o.targets) {
    const dir = mkdtempSync(join(tmpdir(), `kv-bench-${name}-`));
    const ports = await (o.freePorts ?? freePorts)(6);
    o.log?.(`${name}: starting 3 nodes (data in ${dir})`);
    const t = name === "ours" ? await startOurs(dir, ports, o.timing) : await startEtcd(dir, ports, o.timing);
    try {
      figures.push(await measure(t, o));
    } finally {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { etcdVersion: etcdVersion(), timing: o.timing, figures };
}

async function measure(t: BenchTarget, o: CompareOptions): Promise<TargetFigures> {
  const ms = o.seconds * 1000;
  const value = "v".repeat(100);
  await runLoad(8, 1000, (w, i) => t.put(`warm/${w}/${i % 100}`, value));
  const writes1 = await runLoad(1, ms, (w, i) => t.put(`k/${i % 1000}`, value));
  o.log?.(`${t.name}: 1 client: ${writes1.opsPerSec.toFixed(0)} writes/s, p50 ${writes1.p50Ms.toFixed(2)} ms, p99 ${writes1.p99Ms.toFixed(2)} ms`);
  const writes64 = await runLoad(64, ms, (w, i) => t.put(`k/${(w * 7919 + i) % 1000}`, value));
  o.log?.(`${t.name}: 64 clients: ${writes64.opsPerSec.toFixed(0)} writes/s, p50 ${writes64.p50Ms.toFixed(2)} ms, p99 ${writes64.p99Ms.toFixed(2)} ms`);
  const reads64 = await runLoad(64, ms, (w, i) => t.get(`k/${(w * 7919 + i) % 1000}`).then(() => undefined));
  o.log?.(`${t.name}: 64 clients: ${reads64.opsPerSec.toFixed(0)} linearizable reads/s, p99 ${reads64.p99Ms.toFixed(2)} ms`);
  const failoverMs: number[] = [];
  for (let k = 0; k < o.failovers; k++) {
    const killed = await t.killLeader();
    const t0 = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await t.probe(`failover/${k}`);
        break;
      } catch {
        if (performance.now() - t0 > 30_000) throw new Error(`${t.name}: no write succeeded within 30 s of killing the leader`);
        await sleep(5);
      }
    }
    failoverMs.push(performance.now() - t0);
    o.log?.(`${t.name}: failover ${k + 1}/${o.failovers}: killed node ${killed}, first write after ${failoverMs[k].toFixed(0)} ms`);
    await t.restartKilled();
    await sleep(500);
  }
  return { name: t.name, writes1, writes64, reads64, failoverMs, failoverP50Ms: percentile(failoverMs, 50), failoverP99Ms: percentile(failoverMs, 99) };
}
