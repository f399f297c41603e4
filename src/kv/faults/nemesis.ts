/**
 * One nemesis run, in the manner of Jepsen and etcd's robustness tests: start a cluster of real node
 * processes behind fault proxies, run the recorded client workload, inject faults in cycles, then heal
 * everything, restart every node (durability from disk), read every key linearizably into the history,
 * read back every acknowledged ack/ key, and check the history for linearizability.
 *
 * A run is bounded: past its hard deadline the cluster is killed and the run reported as failed, with
 * whatever history it gathered still checked. Logs (and, on failure, history.json and result.json) stay
 * in `logsDir` when the run fails or `keepLogs` is set.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rng } from "../../util/random";
import { checkLinearizable, type CheckResult } from "../check/linearizability";
import { FaultCluster } from "./cluster";
import { Workload, type OpCounts } from "./workload";
import { NEMESES, nextFault, readdRemoved, type FaultContext, type NemesisName } from "./schedules";

export { NEMESES, type NemesisName };
import { percentile } from "../../util/percentile";
export { percentile };

export interface RunOptions {
  nemesis: NemesisName;
  seed: number;
  nodes: 3 | 5;
  /** How long faults are injected (the run takes longer: start, final restart, reads, check). */
  seconds: number;
  clients?: number;
  keys?: number;
  /** Per-call client deadline of the workload (see WorkloadOptions.deadlineMs). */
  clientDeadlineMs?: number;
  /** Hard limit for the whole run (default: seconds + 90 s). */
  hardDeadlineMs?: number;
  /** Snapshot interval of the nodes (default 500 entries: several snapshots and log compactions per node and run, under the faults). */
  snapshotEvery?: number;
  keepLogs?: boolean;
  /** Live progress lines (timeline events as they happen). */
  log?: (line: string) => void;
}

export interface RunResult {
  nemesis: NemesisName;
  seed: number;
  nodes: number;
  seconds: number;
  /** Linearizable, no acknowledged write lost, and the run finished by itself. */
  ok: boolean;
  /** Why the run could not finish (hard deadline, no leader at the end, final reads failed). */
  error?: string;
  ops: OpCounts;
  check: CheckResult;
  ackedWrites: number;
  lostAckedWrites: string[];
  /** Successful writes called after the first fault was injected (the cluster kept serving). */
  writesAfterFaults: number;
  /** Snapshots the nodes took (and compacted their logs to), from their logs. */
  snapshots: number;
  /** Per leader kill: ms from the kill to the first successful write called after it. */
  failoverMs: number[];
  /** Successful writes as [call, return] in ms since the run started (for throughput timelines). */
  writes: Array<[number, number]>;
  timeline: Array<{ t: number; event: string }>;
  logsDir: string;
  logsKept: boolean;
  durationMs: number;
}


class Deadline extends Error {}

export async function runNemesis(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const timeline: RunResult["timeline"] = [];
  const event = (what: string) => {
    const t = Math.round(performance.now() - t0);
    timeline.push({ t, event: what });
    o.log?.(`  [${(t / 1000).toFixed(1)}s] ${what}`);
  };
  const rand = rng(o.seed);
  const clients = o.clients ?? (o.nodes === 5 ? 5 : 4);
  const hardMs = o.hardDeadlineMs ?? o.seconds * 1000 + 90_000;
  let aborted = false;
  let cluster: FaultCluster | undefined;
  let workload: Workload | undefined;
  let ctx: FaultContext | undefined;
  let finalDone = false;
  const lost: string[] = [];
  let error: string | undefined;
  let firstFault = Infinity;

  const body = async (): Promise<void> => {
    const check = () => {
      if (aborted) throw new Deadline();
    };
    cluster = await FaultCluster.start({ nodes: o.nodes, event, snapshotEvery: o.snapshotEvery ?? 500 });
    if (aborted) {
      await cluster.stop(); // started after the deadline: nobody else will stop it
      throw new Deadline();
    }
    event(`cluster up, logs in ${cluster.dir}`);
    const c = cluster;
    ctx = { cluster: c, rand, event, leaderKills: [], removed: new Set() };
    const fctx = ctx;
    c.onCrash = (id) => fctx.onCrash?.(id);
    workload = new Workload({ endpoints: c.endpoints, clients, keys: o.keys ?? 5, seed: o.seed, deadlineMs: o.clientDeadlineMs });
    workload.start();
    await sleep(500);

    const end = performance.now() + o.seconds * 1000;
    while (performance.now() < end) {
      check();
      const { name, fault } = nextFault(o.nemesis, rand);
      event(`fault: ${name}`);
      firstFault = Math.min(firstFault, performance.now());
      const heal = await fault(fctx);
      await sleep(Math.min(1000 + rand() * 2000 + (name === "failpoint" ? 1500 : 0), Math.max(0, end - performance.now())));
      check();
      await heal();
      await restartDead(fctx);
      event(`healed ${name}`);
      await sleep(1000 + rand() * 1000);
    }

    // Final: everything healed, every member back, every node restarted from its disk.
    check();
    c.heal();
    await readdRemoved(fctx);
    await restartDead(fctx);
    await sleep(1000);
    await workload.stop();
    event(`workload stopped: ${JSON.stringify(workload.counts)}`);
    check();
    for (const id of c.ids) await c.kill(id);
    for (const id of c.ids) await c.restart(id);
    const leader = await c.waitForLeader(30_000);
    event(`all nodes restarted; leader ${leader}`);
    check();
    const kv = c.client(10_000);
    for (const key of workload.keys) {
      const out = await workload.record(kv, clients, { op: "get", key });
      if (out === undefined) throw new Error(`final read of ${key} failed`);
    }
    const stored = new Map((await kv.scan({ prefix: "ack/" })).map((r) => [r.key.toString("utf8"), r.value.toString("utf8")]));
    for (const [key, value] of workload.acked) if (stored.get(key) !== value) lost.push(key);
    event(`final reads done; ${workload.acked.size} acknowledged ack/ writes, ${lost.length} lost`);
    finalDone = true;
  };

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      aborted = true;
      resolve();
    }, hardMs);
  });
  const running = body().catch((err: unknown) => {
    if (!(err instanceof Deadline)) error = (err as Error).message;
  });
  await Promise.race([running, deadline]);
  clearTimeout(timer);
  if (aborted && !finalDone) error = `run did not finish within its hard deadline of ${Math.round(hardMs / 1000)} s`;
  aborted = true;
  // Kill the cluster first: in-flight client calls then fail fast and the workload ends within its deadline.
  const dir = (cluster as FaultCluster | undefined)?.dir ?? "";
  await (cluster as FaultCluster | undefined)?.stop({ keepDir: true });
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([(workload as Workload | undefined)?.stop(), new Promise((r) => (grace = setTimeout(r, 15_000)))]);
  clearTimeout(grace);

  const history = workload?.recorder.history() ?? [];
  const check: CheckResult = checkLinearizable(history, { timeoutMs: 60_000 });
  const result: RunResult = {
    nemesis: o.nemesis,
    seed: o.seed,
    nodes: o.nodes,
    seconds: o.seconds,
    ok: check.ok === true && lost.length === 0 && error === undefined,
    error,
    ops: workload?.counts ?? { ok: 0, failed: 0, unknown: 0 },
    check,
    ackedWrites: workload?.acked.size ?? 0,
    lostAckedWrites: lost,
    snapshots: dir ? countSnapshots(dir) : 0,
    writesAfterFaults: (workload?.writeTimes ?? []).filter(([call]) => call >= firstFault).length,
    failoverMs: failovers(ctx?.leaderKills ?? [], workload?.writeTimes ?? []),
    writes: (workload?.writeTimes ?? []).map(([c, r]) => [Math.round(c - t0), Math.round(r - t0)]),
    timeline,
    logsDir: dir,
    logsKept: false,
    durationMs: Math.round(performance.now() - t0),
  };
  if (dir) {
    result.logsKept = !result.ok || o.keepLogs === true;
    if (result.logsKept) {
      writeFileSync(join(dir, "history.json"), JSON.stringify(history));
      writeFileSync(join(dir, "result.json"), JSON.stringify(result, null, 2));
    } else {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}

/** Restarts every member that is down (killed by a fault that healed, or crashed on its own). */
async function restartDead(ctx: FaultContext): Promise<void> {
  for (const id of ctx.cluster.ids) {
    if (!ctx.removed.has(id) && !ctx.cluster.isRunning(id)) await ctx.cluster.restart(id);
  }
}

/** For each kill: time to the first successful write called after it (NaN-free: kills never followed by one are skipped). */
export function failovers(kills: number[], writes: Array<[number, number]>): number[] {
  const out: number[] = [];
  for (const k of kills) {
    let best = Infinity;
    for (const [call, ret] of writes) if (call >= k && ret < best) best = ret;
    if (best < Infinity) out.push(Math.round(best - k));
  }
  return out;
}

export interface RunsSummary {
  runs: number;
  violations: number;
  /** Histories the checker could not decide within its time limit. */
  undecided: number;
  lost: number;
  /** Runs that could not finish (hard deadline, no leader at the end, final reads failed). */
  unfinished: number;
  ops: OpCounts;
  snapshots: number;
  failoverMs: { count: number; p50: number; p99: number; max: number };
}

/** "snapshot at index N ..., log compacted" lines in the node logs of a run's directory. */
function countSnapshots(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (f.endsWith(".log")) n += (readFileSync(join(dir, f), "utf8").match(/log compacted/g) ?? []).length;
  }
  return n;
}

/** Totals over many runs: what the campaign script prints and the notebook reports. */
export function summarizeRuns(runs: RunResult[]): RunsSummary {
  const failovers = runs.flatMap((r) => r.failoverMs);
  return {
    runs: runs.length,
    violations: runs.filter((r) => r.check.ok === false).length,
    undecided: runs.filter((r) => r.check.ok === "unknown").length,
    lost: runs.reduce((a, r) => a + r.lostAckedWrites.length, 0),
    unfinished: runs.filter((r) => r.error !== undefined).length,
    ops: runs.reduce((a, r) => ({ ok: a.ok + r.ops.ok, failed: a.failed + r.ops.failed, unknown: a.unknown + r.ops.unknown }), { ok: 0, failed: 0, unknown: 0 }),
    snapshots: runs.reduce((a, r) => a + r.snapshots, 0),
    failoverMs: { count: failovers.length, p50: percentile(failovers, 50), p99: percentile(failovers, 99), max: percentile(failovers, 100) },
  };
}
