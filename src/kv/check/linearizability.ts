// Hand-written: no maintained npm package does Porcupine-style linearizability checking with per-key partitioning.
/**
 * Linearizability checker for KV histories: Wing & Gong's search with Lowe's memoization, as in Porcupine
 * (github.com/anishathalye/porcupine, checker.go), run per key (a register per key; keys are independent,
 * so the history is linearizable iff every key's sub-history is: Herlihy & Wing's locality).
 *
 * Per key: drop the ops that cannot matter (model.ts dropUnobservable), answer at once for a read of a
 * value nothing could have written yet (phantomRead), else search (search.ts: event order at equal times,
 * unknown outcomes) and explain a failure (explain.ts).
 */
import type { Operation } from "./history";
import { validateHistory } from "./history";
import { compile, dropUnobservable, phantomRead } from "./model";
import { explainPhantom, explainViolation } from "./explain";
import { search } from "./search";

export interface Violation {
  ok: false;
  key: string;
  /** Human-readable, a few dozen lines at most. */
  explanation: string;
  /** The longest linearizable prefix the search found, in linearization order. */
  prefix: Operation[];
  /** The operations that could come next after `prefix`, none of which the model accepts there. */
  blocked: Operation[];
}

export type CheckResult = { ok: true } | Violation | { ok: "unknown"; reason: "timeout" };

export interface CheckOptions {
  /** Give up and answer { ok: "unknown" } after this long (all keys together). Default: no limit. */
  timeoutMs?: number;
}

export function checkLinearizable(history: readonly Operation[], opts: CheckOptions = {}): CheckResult {
  validateHistory(history);
  const deadline = performance.now() + (opts.timeoutMs ?? Infinity);
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    const ops = byKey.get(op.input.key);
    if (ops) ops.push(op);
    else byKey.set(op.input.key, [op]);
  }
  let timedOut = false;
  for (const key of [...byKey.keys()].sort()) {
    const c = compile(dropUnobservable(byKey.get(key)!));
    const phantom = phantomRead(c);
    if (phantom >= 0) return { ok: false, key, ...explainPhantom(key, c, phantom) };
    const r = search(c, deadline);
    if (r === "timeout") timedOut = true; // a later key may still give a definite violation
    else if (r !== "ok") return { ok: false, key, ...explainViolation(key, c, r) };
  }
  return timedOut ? { ok: "unknown", reason: "timeout" } : { ok: true };
}
