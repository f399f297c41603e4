/**
 * Runs nemesis runs of the distributed LevelDB one after another (see src/kv/faults/nemesis.ts):
 *
 *   npx tsx scripts/kv-nemesis.ts [--runs 200] [--seconds 10] [--nodes 3|5] [--nemesis mixed|...] [--seed 1]
 *                                 [--clients N] [--out results.json] [--verbose]
 *
 * One line per run, then a summary. Exits 1 on any linearizability violation, lost acknowledged write or
 * run that could not finish (its logs are kept and their directory printed).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runMain, UserError } from "../src/errors";
import { NEMESES, percentile, runNemesis, summarizeRuns, type NemesisName, type RunResult } from "../src/kv/faults/nemesis";

const USAGE = `usage: npx tsx scripts/kv-nemesis.ts [--runs N] [--seconds S] [--nodes 3|5] [--nemesis NAME] [--seed N] [--clients N] [--out FILE] [--verbose]
  --nemesis: ${NEMESES.join(", ")} (default mixed)`;

function int(name: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new UserError(`--${name} must be an integer >= ${min}, got ${v}\n${USAGE}`);
  return n;
}

async function main(): Promise<void> {
  let f;
  try {
    f = parseArgs({
      args: process.argv.slice(2),
      options: {
        runs: { type: "string" },
        seconds: { type: "string" },
        nodes: { type: "string" },
        nemesis: { type: "string" },
        seed: { type: "string" },
        clients: { type: "string" },
        out: { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n${USAGE}`);
  }
  if (f.help) return console.log(USAGE);
  const runs = int("runs", f.runs, 200, 1);
  const seconds = int("seconds", f.seconds, 10, 1);
  const nodes = int("nodes", f.nodes, 3, 3);
  if (nodes !== 3 && nodes !== 5) throw new UserError(`--nodes must be 3 or 5, got ${nodes}`);
  const seed = int("seed", f.seed, 1, 0);
  const nemesis = (f.nemesis ?? "mixed") as NemesisName;
  if (!NEMESES.includes(nemesis)) throw new UserError(`--nemesis must be one of ${NEMESES.join(", ")}; got ${f.nemesis}`);
  const clients = f.clients === undefined ? undefined : int("clients", f.clients, 4, 1);

  const results: RunResult[] = [];
  for (let k = 0; k < runs; k++) {
    const r = await runNemesis({ nemesis, seed: seed + k, nodes, seconds, clients, log: f.verbose ? (l) => console.log(l) : undefined });
    results.push(r);
    console.log(line(k + 1, runs, r));
    if (!r.ok) {
      if (r.check.ok === false) console.log(r.check.explanation);
      console.log(`  logs, history.json and result.json kept in ${r.logsDir}`);
    }
  }

  const t = summarizeRuns(results);
  const { violations, lost, unfinished: failed, undecided } = t;
  const summary = {
    runs: t.runs,
    nemesis,
    nodes,
    seconds,
    firstSeed: seed,
    violations,
    lostAckedWrites: lost,
    failedRuns: failed,
    checkTimeouts: undecided,
    ops: t.ops,
    snapshots: t.snapshots,
    failoverMs: t.failoverMs,
  };
  console.log(
    `\n${summary.runs} runs (${nemesis}, ${nodes} nodes, ${seconds} s): ${violations} violations, ${lost} lost acked writes, ` +
      `${failed} runs that could not finish, ${undecided} check timeouts; failover p50 ${ms(summary.failoverMs.p50)} ` +
      `p99 ${ms(summary.failoverMs.p99)} over ${t.failoverMs.count} leader kills; ${t.snapshots} snapshots taken`,
  );
  if (f.out) {
    writeFileSync(f.out, JSON.stringify({ summary, runs: results.map(({ timeline: _t, ...r }) => r) }, null, 2) + "\n");
    console.log(`results written to ${f.out}`);
  }
  if (violations > 0 || lost > 0 || failed > 0) process.exitCode = 1;
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "-" : `${v} ms`);

function line(k: number, runs: number, r: RunResult): string {
  const check = r.check.ok === true ? "ok" : r.check.ok === false ? `VIOLATION on ${r.check.key}` : "check timeout";
  const fo = r.failoverMs.length ? ` failover p50 ${ms(percentile(r.failoverMs, 50))} p99 ${ms(percentile(r.failoverMs, 99))}` : "";
  return (
    `run ${k}/${runs} seed ${r.seed} ${r.nemesis}: ops ${r.ops.ok} ok, ${r.ops.failed} failed, ${r.ops.unknown} unknown; ` +
    `check ${check}; lost ${r.lostAckedWrites.length}/${r.ackedWrites}${fo}; ${r.snapshots} snapshots; ${(r.durationMs / 1000).toFixed(1)} s` +
    (r.error ? `; FAILED: ${r.error}` : "")
  );
}

runMain(main);
