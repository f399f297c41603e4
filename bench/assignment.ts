// Benchmark of the dense assignment solver (src/assign) at the size of challenge [01]: 10,000 x 10,000.
//   npm run bench:assign [-- n]
// Target: at most 5 s on 2 cores (scipy's linear_sum_assignment: 9-47 s at this size). Prints the default
// solver (which says how it solved: sparse, sparse-certified or lapjv) and plain LAPJV on the same matrices,
// and the ratio.
import { solveAssignment } from "../src/assign";
import { runMain } from "../src/errors";
import { rng } from "../src/util/random";

function matrix(n: number, kind: string, seed: number): Float32Array {
  const r = rng(seed);
  const m = new Float32Array(n * n);
  for (let k = 0; k < m.length; k++) m[k] = r();
  if (kind === "candidates") {
    // Like challenge [01]'s fused matrix: each row keeps ~51 candidate pairs (its true partner among them;
    // [01] takes each half's 40 best), scores of look-alikes close to the true one's; every other pair forbidden.
    m.fill(-Infinity);
    for (let i = 0; i < n; i++) {
      m[i * n + ((i * 7919) % n)] = 1 + r();
      for (let c = 0; c < 50; c++) m[i * n + Math.floor(r() * n)] = 1.5 * r();
    }
  }
  if (kind === "scores") {
    // Like a good pair scorer: the true partner (a hidden permutation) usually scores highest, with noise.
    for (let i = 0; i < n; i++) m[i * n + ((i * 7919) % n)] += 0.5 + r();
  }
  return m;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10000);
  console.log(`dense ${n.toLocaleString("en-US")} x ${n.toLocaleString("en-US")} assignment (TypeScript)`);
  for (const [kind, maximize] of [["uniform random costs", false], ["scores", true], ["candidates", true]] as const) {
    const m = matrix(n, kind === "uniform random costs" ? "uniform" : kind, 1);
    const seconds: number[] = [];
    for (const method of ["auto", "lapjv"] as const) {
      const t0 = performance.now();
      const a = solveAssignment(m, n, n, { maximize, method });
      const s = (performance.now() - t0) / 1000;
      seconds.push(s);
      let hidden = 0;
      if (kind !== "uniform random costs") for (let i = 0; i < n; i++) if (a.rowToCol[i] === (i * 7919) % n) hidden++;
      const label = method === "auto" ? `default (${a.solvedBy})` : "plain LAPJV";
      console.log(`  ${kind.padEnd(22)} ${label.padEnd(28)} ${s.toFixed(2)} s  total ${a.total.toFixed(3)}${kind !== "uniform random costs" ? `  hidden pairs recovered ${hidden}/${n}` : ""}`);
    }
    console.log(`  ${"".padEnd(22)} speed-up over plain LAPJV: ${(seconds[1] / seconds[0]).toFixed(1)}x`);
  }
}

runMain(main);
