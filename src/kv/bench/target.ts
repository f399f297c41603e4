/** What the benchmark needs from a 3-node store on loopback: ours or etcd, started as real processes. */
import { setTimeout as sleep } from "node:timers/promises";
export interface BenchTarget {
  name: string;
  put(key: string, value: string): Promise<void>;
  /** One quick write attempt (200 ms, no back-off) for failover timing; throws if it did not succeed. */
  probe(key: string): Promise<void>;
  /** A linearizable read. */
  get(key: string): Promise<string | undefined>;
  /** SIGKILLs the current leader's process; resolves once it is dead. */
  killLeader(): Promise<number>;
  /** Restarts every killed node and waits until all answer again. */
  restartKilled(): Promise<void>;
  stop(): Promise<void>;
}

/** Polls `cond` every 20 ms until it holds or `ms` pass (then throws naming `what`). */
export async function waitFor(what: string, ms: number, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}
