/**
 * A reference checker for tiny histories: tries every subset of the unknown-outcome writes and every order
 * of the ops, so it has none of the search's pruning to get wrong.
 */
import type { Operation } from "../../../src/kv/check/history";

export function bruteForceLinearizable(history: Operation[]): boolean {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    if (op.ret === undefined && op.input.op === "get") continue; // no effect, observes nothing
    byKey.set(op.input.key, [...(byKey.get(op.input.key) ?? []), op]);
  }
  return [...byKey.values()].every((ops) => {
    const unknown = ops.filter((o) => o.ret === undefined);
    const known = ops.filter((o) => o.ret !== undefined);
    for (let mask = 0; mask < 1 << unknown.length; mask++) {
      const chosen = [...known, ...unknown.filter((_, j) => mask & (1 << j))];
      if (someOrder(chosen, [], null)) return true;
    }
    return false;
  });
}

function someOrder(left: Operation[], placed: Operation[], state: string | null): boolean {
  if (left.length === 0) return true;
  return left.some((op) => {
    // op may go next unless another op still left returned before op was called (equal times: concurrent).
    if (left.some((o) => o !== op && o.ret !== undefined && o.ret < op.call)) return false;
    const out = op.output as { value?: string | null; ok?: boolean } | undefined;
    let next = state;
    const input = op.input;
    if (input.op === "get") {
      if ((out!.value ?? null) !== state) return false;
    } else if (input.op === "put") next = input.value;
    else if (input.op === "del") next = null;
    else {
      const matches = state === input.expected;
      if (out !== undefined && out.ok !== matches) return false;
      if (matches) next = input.value;
    }
    return someOrder(left.filter((o) => o !== op), [...placed, op], next);
  });
}
