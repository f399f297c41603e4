/** Closed-loop load: `clients` workers each issue one operation after another for a fixed time. */
import { performance } from "node:perf_hooks";
import { percentile } from "../../util/percentile";

export interface LoadResult {
  clients: number;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}


/** Runs `op(worker, i)` in `clients` parallel loops for `durationMs`; failed operations count as errors. */
export async function runLoad(clients: number, durationMs: number, op: (worker: number, i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        try {
          await op(w, i);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { clients, ops: latencies.length, errors, seconds, opsPerSec: latencies.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
