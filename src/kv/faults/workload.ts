/**
 * The client workload of a nemesis run: concurrent clients doing random get/put/del/cas on a few keys,
 * recorded for the linearizability checker, plus puts of unique `ack/<client>/<n>` keys whose
 * acknowledgements are remembered for the durability check.
 *
 * Outcomes: success → complete; a 4xx (the store refused it, so it did not happen) → fail; a write that
 * gave up (deadline, 503, network) → unknown, it may still apply; a read that gave up → fail, since reads
 * have no effect. Each client has its own KvClient with a short deadline so faults produce unknowns
 * rather than stalls.
 */
import { KvClient, KvError } from "../client/kv-client";
import type { Compare, DelOp, PutOp } from "../commands";
import { HistoryRecorder, type KvInput, type KvOutput } from "../check/history";
import { rng } from "../../util/random";

export interface WorkloadOptions {
  endpoints: string[];
  clients: number;
  keys: number;
  seed: number;
  /**
   * Per-call client deadline (default 800 ms, below an election's 0.5-1 s: writes caught by a leader
   * change often give up, so histories carry unknown outcomes for the checker to place).
   */
  deadlineMs?: number;
  /** Share of operations that are durability puts of unique ack/ keys (default 0.1). */
  ackShare?: number;
}

export interface OpCounts {
  ok: number;
  failed: number;
  unknown: number;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export function keyName(k: number): string {
  return `k${k}`;
}

/** A definite refusal: the request was rejected before it could take effect. */
function refused(err: unknown): boolean {
  return err instanceof KvError && err.status >= 400 && err.status < 500;
}

export class Workload {
  readonly recorder: HistoryRecorder;
  readonly counts: OpCounts = { ok: 0, failed: 0, unknown: 0 };
  /** Acknowledged durability puts: key → value. */
  readonly acked = new Map<string, string>();
  /** Successful writes (history ops), as [call, ret] in performance.now() time, for failover times. */
  readonly writeTimes: Array<[number, number]> = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly opts: WorkloadOptions) {
    this.recorder = new HistoryRecorder();
  }

  get keys(): string[] {
    return Array.from({ length: this.opts.keys }, (_, k) => keyName(k));
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.opts.clients }, (_, c) => this.client(c));
  }

  /** Stops issuing operations and waits for those in flight (each ends by its deadline). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Records one operation through `client`: the shared classification of outcomes. */
  async record(kv: KvClient, client: number, input: KvInput): Promise<KvOutput | undefined> {
    const call = performance.now();
    const id = this.recorder.invoke(client, input);
    try {
      const out = await execute(kv, input);
      this.recorder.complete(id, out);
      this.counts.ok++;
      if (input.op !== "get") this.writeTimes.push([call, performance.now()]);
      return out;
    } catch (err) {
      if (input.op === "get" || refused(err)) {
        this.recorder.fail(id);
        this.counts.failed++;
      } else {
        this.recorder.unknown(id);
        this.counts.unknown++;
      }
      return undefined;
    }
  }

  private async client(c: number): Promise<void> {
    const kv = new KvClient({ endpoints: this.opts.endpoints, deadlineMs: this.opts.deadlineMs ?? 800, attemptTimeoutMs: 400 });
    const rand = rng(this.opts.seed * 1000 + c + 1);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const seen = new Map<string, string | null>(); // what this client last saw per key: plausible cas expectations
    let n = 0;
    let ackN = 0;
    while (this.running) {
      if (rand() < (this.opts.ackShare ?? 0.1)) {
        const key = `ack/${c}/${ackN++}`;
        const value = `v${c}-${ackN}`;
        try {
          await kv.put(key, value);
          this.acked.set(key, value);
        } catch {
          // not acknowledged: nothing to check
        }
        continue;
      }
      const key = pick(this.keys);
      const value = `c${c}-${n++}`;
      const r = rand();
      let input: KvInput;
      if (r < 0.4) input = { op: "get", key };
      else if (r < 0.65) input = { op: "put", key, value };
      else if (r < 0.75) input = { op: "del", key };
      else input = { op: "cas", key, expected: seen.get(key) ?? null, value: rand() < 0.1 ? null : value };
      const out = await this.record(kv, c, input);
      if (out && "value" in out) seen.set(key, out.value);
      if (out && input.op === "put") seen.set(key, input.value);
      if (out && input.op === "cas" && "ok" in out && out.ok) seen.set(key, input.value);
    }
  }
}

/** Runs one history operation against the store; cas is a txn on value (or version 0 for "absent"). */
export async function execute(kv: KvClient, input: KvInput): Promise<KvOutput> {
  switch (input.op) {
    case "get": {
      const v = await kv.get(input.key);
      return { value: v === undefined ? null : v.toString("utf8") };
    }
    case "put":
      await kv.put(input.key, input.value);
      return {};
    case "del":
      await kv.del(input.key);
      return {};
    case "cas": {
      const key = b64(input.key);
      const compare: Compare =
        input.expected === null
          ? { key, target: "version", result: "=", value: 0 }
          : { key, target: "value", result: "=", value: b64(input.expected) };
      const then: PutOp | DelOp = input.value === null ? { op: "del", key } : { op: "put", key, value: b64(input.value) };
      const r = await kv.txn([compare], [then], []);
      return { ok: r.succeeded === true };
    }
  }
}
