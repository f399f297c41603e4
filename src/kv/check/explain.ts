/** Turns a failed search into a short report a human can act on. */
import type { Operation } from "./history";
import type { Failure } from "./search";
import { CAS, GET, UNKNOWN, type Compiled } from "./model";

const PREFIX_LINES = 8;
const BLOCKED_LINES = 6;
const MAX_VALUE_CHARS = 40;
/** How many rejected values the search keeps per op. */
export const MAX_REJECTED_STATES = 4;

export function explainViolation(
  key: string,
  c: Compiled,
  f: Failure,
): { explanation: string; prefix: Operation[]; blocked: Operation[] } {
  const inPrefix = new Uint8Array(c.ops.length);
  for (const i of f.prefix) inPrefix[i] = 1;
  // Unknown-outcome ops are never to blame: they can always go last.
  const rest = c.ops.map((_, i) => i).filter((i) => !inPrefix[i] && c.ops[i].ret !== undefined);
  // The ops that may come next: those called before the first remaining return (calls win ties).
  let deadline = rest[0];
  for (const i of rest) if ((c.ops[i].ret ?? Infinity) < (c.ops[deadline].ret ?? Infinity)) deadline = i;
  const cutoff = c.ops[deadline].ret ?? Infinity;
  const blocked = rest.filter((i) => c.ops[i].call <= cutoff).sort((a, b) => c.ops[a].call - c.ops[b].call);

  // The value after the prefix, replayed with the real strings (the search merges values nothing reads).
  let last: string | null = null;
  for (const i of f.prefix) {
    const input = c.ops[i].input;
    if (input.op === "put") last = input.value;
    else if (input.op === "del") last = null;
    else if (input.op === "cas" && last === input.expected) last = input.value;
  }
  const lines = [
    `key ${quote(key)} is not linearizable: the longest linearizable prefix found orders ${f.prefix.length} of ` +
      `${c.ops.length} operations, leaving the value ${quote(last)}; none of the operations that ` +
      `may come next (those called before ${opId(c.ops[deadline])} returned at ${time(cutoff)}) fits.`,
    "prefix (linearization order):",
  ];
  if (f.prefix.length > PREFIX_LINES) lines.push(`  ... ${f.prefix.length - PREFIX_LINES} earlier operations`);
  if (f.prefix.length === 0) lines.push("  (empty: the key starts absent)");
  for (const i of f.prefix.slice(-PREFIX_LINES)) lines.push(`  ${formatOp(c.ops[i])}`);
  lines.push("cannot come next:");
  for (const i of blocked.slice(0, BLOCKED_LINES)) lines.push(`  ${formatOp(c.ops[i])}: ${why(c, f, i, quote(last))}`);
  if (blocked.length > BLOCKED_LINES) lines.push(`  ... ${blocked.length - BLOCKED_LINES} more`);
  return {
    explanation: lines.join("\n"),
    prefix: f.prefix.map((i) => c.ops[i]),
    blocked: blocked.map((i) => c.ops[i]),
  };
}

/** The verdict for a phantom read (model.ts phantomRead): no search, so no prefix. */
export function explainPhantom(
  key: string,
  c: Compiled,
  i: number,
): { explanation: string; prefix: Operation[]; blocked: Operation[] } {
  const v = value(c, c.kind[i] === GET ? c.out[i] : c.exp[i]);
  const what = c.kind[i] === GET ? `returned ${v}` : `succeeded, so the value was ${v}`;
  return {
    explanation: `key ${quote(key)} is not linearizable: ${formatOp(c.ops[i])} ${what}, but no operation writes ${v} before it returns.`,
    prefix: [],
    blocked: [c.ops[i]],
  };
}

function why(c: Compiled, f: Failure, i: number, here: string): string {
  const seen = f.rejectedAt[i] ?? [f.state];
  const values = seen.map((s) => value(c, s));
  const list = values.length > 1 ? `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}` : values[0];
  const everywhere = f.placed[i]
    ? `the value here is ${here} (the orders where it fits run into a dead end later)`
    : `every real-time-consistent order of the operations before it leaves ${list}` +
      (seen.length >= MAX_REJECTED_STATES ? " (or others)" : "");
  const out = c.out[i];
  // A write fits any value; the search only holds one back where an order without the unknown-outcome op
  // just before it covers it.
  if (out === UNKNOWN || (c.kind[i] !== GET && c.kind[i] !== CAS)) return `a write, it fits any value; ${everywhere}`;
  if (c.kind[i] === GET) return `returned ${value(c, out)}, but ${everywhere}`;
  const expected = value(c, c.exp[i]);
  return out === 1 ? `succeeded, so the value was ${expected}, but ${everywhere}` : `failed, so the value was not ${expected}, but ${everywhere}`;
}

/** `#12 c3 get("k") → "a" [12.1, 13]`; an unknown outcome shows as `→ ?` and `[12.1, ?]`. */
export function formatOp(op: Operation): string {
  const input = op.input;
  const out = op.output as { value?: string | null; ok?: boolean } | undefined;
  const k = quote(input.key);
  let text: string;
  switch (input.op) {
    case "get":
      text = `get(${k}) → ${out ? quote(out.value ?? null) : "?"}`;
      break;
    case "put":
      text = `put(${k}, ${quote(input.value)})${out ? "" : " → ?"}`;
      break;
    case "del":
      text = `del(${k})${out ? "" : " → ?"}`;
      break;
    case "cas":
      text = `cas(${k}, ${quote(input.expected)} → ${quote(input.value)}) → ${out ? (out.ok ? "ok" : "failed") : "?"}`;
      break;
  }
  return `${opId(op)} c${op.client} ${text} [${time(op.call)}, ${op.ret === undefined ? "?" : time(op.ret)}]`;
}

const opId = (op: Operation): string => `#${op.id}`;

const time = (t: number): string => (Number.isFinite(t) ? String(Number(t.toFixed(3))) : "∞");

/** A value by its index; the index of all unread values says so (they are interchangeable). */
function value(c: Compiled, v: number): string {
  return v === c.unread ? `a value nothing reads (such as ${quote(c.values[v])})` : quote(c.values[v]);
}

function quote(v: string | null): string {
  if (v === null) return "null";
  const s = JSON.stringify(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 4)}..."` : s;
}
