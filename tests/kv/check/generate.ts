/**
 * Random histories of a real linearizable store: each op gets a linearization point inside its interval
 * (or, with unknown outcome, anywhere after its call, or never), outputs come from a register per key
 * applied in that order. So every generated history is linearizable by construction.
 */
import type { KvInput, Operation } from "../../../src/kv/check/history";
import { rng } from "../../../src/util/random";

export interface GenOptions {
  clients: number;
  opsPerClient: number;
  keys: number;
  /** Size of the value pool; small pools repeat values, which makes the search work harder. */
  values: number;
  /** Probability that an op's outcome is unknown (timeout / crash). */
  unknownRate: number;
}

export function generateHistory(seed: number, o: GenOptions): Operation[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const values = Array.from({ length: o.values }, (_, i) => `v${i}`);
  const keys = Array.from({ length: o.keys }, (_, i) => `k${i}`);
  const ops: Operation[] = [];
  const at: number[] = []; // linearization point per op; Infinity = never took effect
  for (let client = 0; client < o.clients; client++) {
    let t = r() * 5;
    for (let j = 0; j < o.opsPerClient; j++) {
      const call = t + r() * 2;
      const duration = r() * r() * 10; // mostly short, some long
      const key = pick(keys);
      const x = r();
      const value = pick(values);
      const input: KvInput =
        x < 0.4 ? { op: "get", key }
        : x < 0.65 ? { op: "put", key, value }
        : x < 0.75 ? { op: "del", key }
        : { op: "cas", key, expected: r() < 0.2 ? null : pick(values), value: r() < 0.1 ? null : value };
      const unknown = r() < o.unknownRate;
      at.push(!unknown ? call + r() * duration : r() < 0.5 ? call + r() * duration * 3 : Infinity);
      ops.push({ id: ops.length, client, call, ret: unknown ? undefined : call + duration, input, output: undefined });
      t = call + duration;
    }
  }
  const register = new Map<string, string | null>();
  const order = ops.map((_, i) => i).filter((i) => at[i] !== Infinity).sort((a, b) => at[a] - at[b]);
  for (const i of order) {
    const op = ops[i];
    const input = op.input;
    const cur = register.get(input.key) ?? null;
    let output: Operation["output"];
    switch (input.op) {
      case "get":
        output = { value: cur };
        break;
      case "put":
        register.set(input.key, input.value);
        output = {};
        break;
      case "del":
        register.set(input.key, null);
        output = {};
        break;
      case "cas":
        output = { ok: cur === input.expected };
        if (cur === input.expected) register.set(input.key, input.value);
        break;
    }
    if (op.ret !== undefined) op.output = output;
  }
  return ops;
}
