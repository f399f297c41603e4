/** Tables and charts of the distributed LevelDB's notebook ([05]): nemesis runs and the etcd comparison. */
import type { VegaLiteSpec } from "../charts";
import type { TargetFigures } from "./bench/compare";
import type { RunResult } from "./faults/nemesis";

/** Acknowledged writes per second over a run, with each fault and heal drawn as a labelled vertical rule. */
export function failoverTimelineSpec(run: RunResult, bucketMs = 250): VegaLiteSpec {
  const end = Math.max(0, ...run.writes.map(([, ret]) => ret));
  const counts = new Array(Math.ceil(end / bucketMs) + 1).fill(0) as number[];
  for (const [, ret] of run.writes) counts[Math.floor(ret / bucketMs)]++;
  const rows = counts.map((n, k) => ({ t: (k * bucketMs) / 1000, rate: (n * 1000) / bucketMs }));
  // Faults and kills while the workload ran (the final restart of every node is not a fault), labelled;
  // heals as unlabelled grey rules.
  const stopped = run.timeline.find((e) => e.event.startsWith("workload stopped"))?.t ?? Infinity;
  const during = run.timeline.filter((e) => e.t < stopped);
  const faults: Array<{ t: number; event: string }> = [];
  for (const e of during) {
    const killed = /^node (\d+) killed/.exec(e.event);
    const last = faults[faults.length - 1];
    // A fault's own kill follows it within milliseconds: one label, "kill-leader: node 2".
    if (killed && last && e.t / 1000 - last.t < 0.5) last.event += `: node ${killed[1]}`;
    else if (killed || e.event.startsWith("fault: ")) faults.push({ t: e.t / 1000, event: e.event.replace(/^fault: /, "") });
  }
  const heals = during.filter((e) => e.event.startsWith("healed")).map((e) => ({ t: e.t / 1000 }));
  return {
    title: `Writes acknowledged per second, '${run.nemesis}' run (${run.nodes} nodes; red: faults, grey: heals)`,
    width: 620,
    height: 240,
    layer: [
      { data: { values: rows }, mark: { type: "line", interpolate: "step-after" }, encoding: { x: { field: "t", type: "quantitative", title: "seconds since start" }, y: { field: "rate", type: "quantitative", title: "writes/s" } } },
      { data: { values: heals }, mark: { type: "rule", strokeDash: [2, 2], color: "#999" }, encoding: { x: { field: "t", type: "quantitative" } } },
      { data: { values: faults }, mark: { type: "rule", strokeDash: [4, 3], color: "#c00" }, encoding: { x: { field: "t", type: "quantitative" } } },
      { data: { values: faults }, mark: { type: "text", angle: 270, align: "left", dx: 4, dy: -4, fontSize: 9, color: "#c00" }, encoding: { x: { field: "t", type: "quantitative" }, y: { value: 235 }, text: { field: "event" } } },
    ],
  } as VegaLiteSpec;
}

/** One row per nemesis run, for a table. */
export function nemesisRows(runs: RunResult[]): Record<string, string | number>[] {
  return runs.map((r) => ({
    nemesis: r.nemesis,
    seed: r.seed,
    nodes: r.nodes,
    "ops ok": r.ops.ok,
    "unknown outcome": r.ops.unknown,
    linearizable: r.check.ok === true ? "yes" : r.check.ok === false ? "NO" : "undecided",
    "acked ack/ writes": r.ackedWrites,
    lost: r.lostAckedWrites.length,
    "failover ms": r.failoverMs.join(", ") || "-",
    snapshots: r.snapshots,
    finished: r.error ? `no: ${r.error}` : "yes",
  }));
}

/** Side-by-side rows (ours, etcd, ratio) of the benchmark's headline figures. */
export function comparisonRows(figures: TargetFigures[]): Record<string, string | number>[] {
  const ours = figures.find((f) => f.name === "ours");
  const etcd = figures.find((f) => f.name === "etcd");
  const row = (metric: string, get: (f: TargetFigures) => number, higherIsBetter: boolean) => {
    const a = ours ? get(ours) : NaN;
    const b = etcd ? get(etcd) : NaN;
    return { metric, ours: a, etcd: b, "ours / etcd": a / b, better: higherIsBetter ? "higher" : "lower" };
  };
  return [
    row("writes/s, 1 client", (f) => f.writes1.opsPerSec, true),
    row("write p99 ms, 1 client", (f) => f.writes1.p99Ms, false),
    row("writes/s, 64 clients", (f) => f.writes64.opsPerSec, true),
    row("write p50 ms, 64 clients", (f) => f.writes64.p50Ms, false),
    row("write p99 ms, 64 clients", (f) => f.writes64.p99Ms, false),
    row("linearizable reads/s, 64 clients", (f) => f.reads64.opsPerSec, true),
    row("failover p50 ms", (f) => f.failoverP50Ms, false),
    row("failover p99 ms", (f) => f.failoverP99Ms, false),
  ];
}

/** Grouped bars, ours next to etcd, for a few figures that share a unit. */
export function comparisonSpec(figures: TargetFigures[], title: string, unit: string, pick: Record<string, (f: TargetFigures) => number>): VegaLiteSpec {
  const rows = Object.entries(pick).flatMap(([metric, get]) => figures.map((f) => ({ metric, store: f.name, value: get(f) })));
  return {
    title,
    width: 420,
    height: 220,
    data: { values: rows },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "metric", type: "nominal", title: null, axis: { labelAngle: 0 } },
      xOffset: { field: "store" },
      y: { field: "value", type: "quantitative", title: unit },
      color: { field: "store", type: "nominal", title: "store" },
    },
  } as VegaLiteSpec;
}
