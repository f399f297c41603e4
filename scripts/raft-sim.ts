/**
 * Runs the seeded Raft cluster simulator over many seeds, printing the seed and broken invariant of any
 * failure. Usage: tsx scripts/raft-sim.ts <seeds> [firstSeed=1] [steps=2000] [nodes=3,5]
 */
import { runMain, UserError } from "../src/errors";
import { runSimulation, SimFailure } from "../src/kv/raft/sim";

function intArg(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UserError(`${name} must be a non-negative integer, got ${v}`);
  return n;
}

async function main(): Promise<void> {
  const [count, first, steps, nodes] = process.argv.slice(2);
  if (count === undefined) throw new UserError("usage: tsx scripts/raft-sim.ts <seeds> [firstSeed] [steps] [nodes e.g. 3,5]");
  const n = intArg(count, "seeds", 0);
  const from = intArg(first, "firstSeed", 1);
  const len = intArg(steps, "steps", 2000);
  const sizes = (nodes ?? "3,5").split(",").map((x) => intArg(x, "nodes", 3));
  const t0 = Date.now();
  let failures = 0;
  let acked = 0;
  for (let seed = from; seed < from + n; seed++) {
    for (const size of sizes) {
      try {
        acked += runSimulation({ seed, nodes: size, steps: len }).acked;
      } catch (e) {
        if (!(e instanceof SimFailure)) throw e;
        failures++;
        console.log(`FAIL nodes=${size} ${e.message}`);
      }
    }
    if ((seed - from + 1) % 100 === 0) console.log(`${seed - from + 1} seeds, ${failures} failures, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`${n} seeds x ${sizes.join(",")} nodes x ${len} steps: ${failures} failures, ${acked} acknowledged writes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (failures > 0) process.exitCode = 1;
}

runMain(main);
