/**
 * The sequential model of one key: a register holding string | null (null = absent), compiled to typed
 * arrays so the search steps it without allocating. Values are interned per key; index 0 is null.
 */
import type { Operation } from "./history";

export const GET = 0;
export const PUT = 1;
export const DEL = 2;
export const CAS = 3;
/** `out` of an operation with unknown outcome. */
export const UNKNOWN = -1;
/** `step` result for an output the state cannot produce. */
export const REJECT = -1;

export interface Compiled {
  ops: Operation[];
  values: Array<string | null>;
  /** The index standing for several values nothing reads (values[unread] is one of them), or -1. */
  unread: number;
  kind: Uint8Array;
  /** put/cas: the value index written. */
  arg: Int32Array;
  /** cas: the expected value index. */
  exp: Int32Array;
  /** get: the value index returned; cas: 1 ok, 0 not ok; UNKNOWN when the outcome is unknown. */
  out: Int32Array;
}

export function compile(ops: Operation[]): Compiled {
  // Values no get returns and no cas expects are indistinguishable to every op: they share one index, so
  // unknown-outcome writes of them become interchangeable (see the search's twins).
  const read = new Set<string | null>();
  for (const op of ops) {
    if (op.input.op === "cas") read.add(op.input.expected);
    else if (op.input.op === "get" && op.output) read.add((op.output as { value: string | null }).value);
  }
  const index = new Map<string, number>();
  const values: Array<string | null> = [null];
  let unread = -1;
  const unreadValues = new Set<string>();
  const intern = (v: string | null): number => {
    if (v === null) return 0;
    if (!read.has(v)) {
      if (unread < 0) unread = values.push(v) - 1;
      unreadValues.add(v);
      return unread;
    }
    let i = index.get(v);
    if (i === undefined) {
      i = values.length;
      index.set(v, i);
      values.push(v);
    }
    return i;
  };
  const n = ops.length;
  const c: Compiled = {
    ops, values, unread: -1, kind: new Uint8Array(n), arg: new Int32Array(n), exp: new Int32Array(n), out: new Int32Array(n),
  };
  ops.forEach((op, i) => {
    const input = op.input;
    const output = op.output as { value?: string | null; ok?: boolean } | undefined;
    c.out[i] = UNKNOWN;
    switch (input.op) {
      case "get":
        c.kind[i] = GET;
        if (output !== undefined) c.out[i] = intern(output.value ?? null);
        break;
      case "put":
        c.kind[i] = PUT;
        c.arg[i] = intern(input.value);
        break;
      case "del":
        c.kind[i] = DEL;
        break;
      case "cas":
        c.kind[i] = CAS;
        c.arg[i] = intern(input.value);
        c.exp[i] = intern(input.expected);
        if (output !== undefined) c.out[i] = output.ok ? 1 : 0;
        break;
    }
  });
  if (unreadValues.size > 1) c.unread = unread; // a single one is just itself
  return c;
}

/**
 * The state after operation i runs on `state`, or REJECT when its recorded output is impossible there.
 * An operation with unknown outcome is taken to have happened, with whatever output the state gives (a cas
 * succeeds iff the value matches): "never happened" is covered because the search may place it last, where
 * nothing observes it.
 */
export function step(c: Compiled, state: number, i: number): number {
  switch (c.kind[i]) {
    case GET:
      return c.out[i] === state ? state : REJECT;
    case PUT:
      return c.arg[i];
    case DEL:
      return 0;
    default: {
      const matches = state === c.exp[i];
      const out = c.out[i];
      if (out === UNKNOWN) return matches ? c.arg[i] : state;
      if (out === 1) return matches ? c.arg[i] : REJECT;
      return matches ? REJECT : state;
    }
  }
}

/**
 * Drops the operations of one key that cannot change the verdict, so the search need not place them:
 * - a get with unknown outcome (no effect, nothing observed);
 * - a write (put/del/cas) with unknown outcome whose written value v nobody can observe after its call: no
 *   get returning v, no cas expecting v, and no known failed cas expecting a value the key can hold, whose
 *   return is at or after the write's call. Such a write can always go last (where nothing sees it), and
 *   removing it from any linearization changes only states that nothing after it checks, so the history
 *   is linearizable with it iff without it. (etcd's robustness tests prune unobserved failed writes the
 *   same way: every timed-out write left in stays a candidate for the rest of the search.)
 * - a cas with unknown outcome expecting a value nothing writes: it can never take effect.
 */
export function dropUnobservable(ops: Operation[]): Operation[] {
  const kept = ops.filter((op) => !(op.input.op === "get" && op.ret === undefined));
  const lastSeen = new Map<string | null, number>(); // value → latest return of an op that may observe it
  let lastFailedCas = -Infinity;
  // A failed cas can only tell a write's absence apart if the value it expected can be there at all.
  const writable = new Set<string | null>([null]);
  for (const op of kept) if (op.input.op === "put" || op.input.op === "cas") writable.add(op.input.value);
  const seen = (v: string | null, ret: number): void => {
    lastSeen.set(v, Math.max(lastSeen.get(v) ?? -Infinity, ret));
  };
  for (const op of kept) {
    const ret = op.ret ?? Infinity;
    const out = op.output as { value?: string | null; ok?: boolean } | undefined;
    if (op.input.op === "get") seen(out!.value ?? null, ret);
    if (op.input.op === "cas") {
      seen(op.input.expected, ret);
      if (out?.ok === false && writable.has(op.input.expected)) lastFailedCas = Math.max(lastFailedCas, ret);
    }
  }
  return kept.filter((op) => {
    if (op.ret !== undefined || op.input.op === "get") return true;
    if (op.input.op === "cas" && !writable.has(op.input.expected)) return false;
    const v = op.input.op === "del" ? null : op.input.value;
    return !((lastSeen.get(v) ?? -Infinity) < op.call && lastFailedCas < op.call);
  });
}

/**
 * The first op (by call) that reads a value no write of it could have produced before the op returned: a
 * get returning v, or a successful cas expecting v, with v not null and every write of v called later. No
 * search needed (and a search would have to exhaust every order before giving up). -1 if none.
 */
export function phantomRead(c: Compiled): number {
  const firstWrite = new Map<number, number>(); // value index → earliest call of a write that can set it
  c.ops.forEach((op, i) => {
    const writes = c.kind[i] === PUT || (c.kind[i] === CAS && c.exp[i] !== c.arg[i]);
    if (writes && op.call < (firstWrite.get(c.arg[i]) ?? Infinity)) firstWrite.set(c.arg[i], op.call);
  });
  let found = -1;
  c.ops.forEach((op, i) => {
    const needs = c.kind[i] === GET ? c.out[i] : c.kind[i] === CAS && c.out[i] === 1 ? c.exp[i] : UNKNOWN;
    if (needs <= 0 || op.ret === undefined) return; // null (index 0) is the initial value
    if ((firstWrite.get(needs) ?? Infinity) > op.ret && (found < 0 || op.call < c.ops[found].call)) found = i;
  });
  return found;
}
