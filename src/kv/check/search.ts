/**
 * The per-key search: Wing & Gong's backtracking with Lowe's memoization, as in Porcupine's checkSingle,
 * plus pruning for unknown-outcome ops (each rule is checked against a brute-force checker in the tests).
 *
 * The call and return events of known-outcome ops, sorted by time, form a doubly linked list. The search
 * walks it from the head; at a call it tries to linearize that op next (the model accepts its output and
 * the configuration reached is new), lifting the op's call and return out of the list and restarting from
 * the head. Reaching a return means that op should already have been linearized: try the unknown-outcome
 * ops called by then, then backtrack (pop the last op, put it back, resume after it). Every known-outcome
 * op placed: linearizable; nothing left to pop: not.
 *
 * Equal timestamps: calls sort before returns (as Porcupine), so an op that returns at the instant another
 * is called counts as concurrent with it: a tie proves no order, so both orders are allowed rather than a
 * violation reported that the clock cannot back.
 *
 * Unknown outcomes: the return is at +infinity, so the op stays a candidate from its call on, and it may
 * also never happen, which is the same as going last (nothing observes it there). Hence:
 * - success once every known-outcome op is placed (the rest go last);
 * - configurations are (known ops placed, state, unknown ops placed), and one is dominated by another with
 *   the same known ops and state and a subset of its unknown ops (the missing ones can go last), so the
 *   cache answers "explored" for any superset of an explored unknown set, not just the same set;
 * - an unknown op that would leave the state unchanged is not placed (same as going last);
 * - unknown ops with the same input are placed in call order only (they are interchangeable once called);
 * - a blind write (put/del) is not placed right after an unknown op that nothing has relied on since: the
 *   same order without that op is explored from the level below;
 * - an unknown op is not placed where no unplaced op could ever rely on it.
 */
import { MAX_REJECTED_STATES } from "./explain";
import { CAS, DEL, GET, PUT, REJECT, step, type Compiled } from "./model";

/** What the search learned when it failed, for the explanation. */
export interface Failure {
  /** Op indices of the longest linearizable prefix found, in order. */
  prefix: number[];
  /** The register's value index after it. */
  state: number;
  /** Per op: value indices at which it was tried and the model rejected its output (a few at most). */
  rejectedAt: Array<number[] | undefined>;
  /** Per op: 1 if some explored order placed it (so its rejection after `prefix` is not the whole story). */
  placed: Uint8Array;
}

interface Group {
  known: Uint32Array;
  state: number;
  /** Unknown sets explored with these known ops and state; any superset of one is dominated. */
  unknowns: Uint32Array[];
}

export function search(c: Compiled, deadline: number): "ok" | "timeout" | Failure {
  const n = c.ops.length;
  const unknown = new Uint8Array(n);
  const blind = new Uint8Array(n); // put/del: the result does not depend on the state
  const bit = new Int32Array(n); // index in the known or the unknown bitset
  let knownCount = 0;
  let unknownCount = 0;
  for (let i = 0; i < n; i++) {
    unknown[i] = c.ops[i].ret === undefined ? 1 : 0;
    blind[i] = c.kind[i] === PUT || c.kind[i] === DEL ? 1 : 0;
    bit[i] = unknown[i] ? unknownCount++ : knownCount++;
  }

  // Known-outcome ops: entries 0..n-1 are calls, n..2n-1 returns (op i's return is n+i), in one list
  // after the head 2n, sorted by time, calls before returns at equal times.
  const head = 2 * n;
  const time = (e: number): number => (e < n ? c.ops[e].call : c.ops[e - n].ret!);
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  const order = Array.from({ length: 2 * n }, (_, e) => e)
    .filter((e) => !unknown[e < n ? e : e - n])
    .sort((a, b) => time(a) - time(b) || (a < n ? 0 : 1) - (b < n ? 0 : 1) || a - b);
  let tail = head;
  for (const e of order) {
    next[tail] = e;
    prev[e] = tail;
    tail = e;
  }
  const unlink = (e: number): void => {
    next[prev[e]] = next[e];
    if (next[e] !== -1) prev[next[e]] = prev[e];
  };
  const relink = (e: number): void => {
    next[prev[e]] = e;
    if (next[e] !== -1) prev[next[e]] = e;
  };

  // Unknown-outcome ops, in classes of twins (same input), each sorted by call: only a class's next member
  // may be placed. Their returns never end the candidates, so they live outside the list.
  const classOf = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (!unknown[i]) continue;
    const sig = `${c.kind[i]},${c.exp[i]},${c.arg[i]}`;
    const members = classOf.get(sig);
    if (members) members.push(i);
    else classOf.set(sig, [i]);
  }
  const members = [...classOf.values()].map((m) => m.sort((a, b) => c.ops[a].call - c.ops[b].call || a - b));
  const cls = new Int32Array(n).fill(-1);
  members.forEach((m, k) => m.forEach((i) => (cls[i] = k)));
  const classPlaced = new Int32Array(members.length);

  // Lowe's cache, keyed by a Zobrist hash of the known set and the state.
  const known = new Uint32Array((knownCount + 31) >>> 5);
  const unknowns = new Uint32Array((unknownCount + 31) >>> 5);
  const zobrist = new Int32Array(n);
  for (let i = 0; i < n; i++) zobrist[i] = unknown[i] ? 0 : mix(i + 1);
  let hash = 0;
  const cache = new Map<number, Group[]>();
  const explored = (state: number): boolean => {
    const k = hash ^ Math.imul(state + 1, 0x9e3779b1);
    let groups = cache.get(k);
    if (groups === undefined) cache.set(k, (groups = []));
    let group = groups.find((g) => g.state === state && same(g.known, known));
    if (group === undefined) groups.push((group = { known: known.slice(), state, unknowns: [] }));
    else if (group.unknowns.some((u) => subset(u, unknowns))) return true;
    group.unknowns.push(unknowns.slice());
    return false;
  };
  const flip = (i: number): void => {
    const set = unknown[i] ? unknowns : known;
    set[bit[i] >>> 5] ^= 1 << (bit[i] & 31);
    hash ^= zobrist[i];
  };

  // Per value: the unplaced ops that could rely on an unknown op writing it (gets returning it, cas
  // expecting it) and the unplaced failed cas that could rely on one overwriting it. An unknown op nothing
  // can rely on is never needed (see below).
  const readers = new Int32Array(c.values.length);
  const failedReaders = new Int32Array(c.values.length);
  const reads = (i: number, d: number): void => {
    if (c.kind[i] === GET) readers[c.out[i]] += d;
    else if (c.kind[i] === CAS) (c.out[i] === 0 ? failedReaders : readers)[c.exp[i]] += d;
  };
  for (let i = 0; i < n; i++) reads(i, 1);

  const stackOp: number[] = [];
  const stackState: number[] = [];
  // The state before the latest unknown op placed, while every op placed after it is a read that that
  // state satisfies as well (nothing relies on the op yet); -1 otherwise.
  const stackUnseen: number[] = [];
  let unseen = -1;
  const stackCutoff: number[] = [];
  const rejectedAt: Array<number[] | undefined> = new Array(n);
  const placed = new Uint8Array(n);
  let best: number[] = [];
  let bestState = 0;
  let knownLeft = knownCount;
  let state = 0;
  // Each level tries the known-outcome candidates first (phase 0: the list up to its first return), then
  // the classes of unknown ones called by then (phase 1): orders using fewer unknown ops get cached first,
  // and they dominate the rest.
  let phase = 0;
  let entry = next[head]; // phase 0: list entry; phase 1: class index
  let cutoff = 0; // phase 1: the time of the first return in the list (calls at that very time count)
  for (let iter = 0; knownLeft > 0; iter++) {
    if ((iter & 4095) === 0 && performance.now() >= deadline) return "timeout";
    let i: number;
    if (phase === 0) {
      if (entry >= n) {
        phase = 1;
        cutoff = time(entry);
        entry = 0;
        continue;
      }
      i = entry;
      entry = next[entry];
    } else if (entry < members.length) {
      i = members[entry][classPlaced[entry]] ?? -1;
      entry++;
      if (i < 0 || c.ops[i].call > cutoff) continue;
    } else {
      if (stackOp.length === 0) return { prefix: best, state: bestState, rejectedAt, placed };
      if (stackOp.length > best.length) {
        best = stackOp.slice();
        bestState = state;
      }
      const j = stackOp.pop()!;
      state = stackState.pop()!;
      unseen = stackUnseen.pop()!;
      cutoff = stackCutoff.pop()!;
      flip(j);
      reads(j, 1);
      if (unknown[j]) {
        classPlaced[cls[j]]--;
        phase = 1;
        entry = cls[j] + 1;
      } else {
        knownLeft++;
        relink(n + j);
        relink(j);
        phase = 0;
        entry = next[j];
      }
      continue;
    }

    if (blind[i] && unseen >= 0) continue; // the order without that unknown op covers this one
    const after = step(c, state, i);
    if (after === REJECT) {
      const states = (rejectedAt[i] ??= []);
      if (states.length < MAX_REJECTED_STATES && !states.includes(state)) states.push(state);
      continue;
    }
    if (unknown[i] && after === state) continue; // no effect here: same as going last
    // An unknown op that no unplaced op could rely on (reading its value, or failing on the value it
    // replaces) can be removed from any order that places it here: only blind writes could change the
    // value before something checks it.
    if (unknown[i] && readers[after] === 0 && failedReaders[state] === 0) continue;
    flip(i);
    if (explored(after)) {
      flip(i);
      continue;
    }
    stackOp.push(i);
    stackState.push(state);
    stackUnseen.push(unseen);
    stackCutoff.push(cutoff);
    if (unknown[i]) unseen = state;
    else if (unseen >= 0 && !(after === state && step(c, unseen, i) === unseen)) unseen = -1;
    state = after;
    placed[i] = 1;
    reads(i, -1);
    if (unknown[i]) classPlaced[cls[i]]++;
    else {
      knownLeft--;
      unlink(i);
      unlink(n + i);
    }
    phase = 0;
    entry = next[head];
  }
  return "ok";
}

function same(a: Uint32Array, b: Uint32Array): boolean {
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

/** a ⊆ b */
function subset(a: Uint32Array, b: Uint32Array): boolean {
  for (let w = 0; w < a.length; w++) if ((a[w] & ~b[w]) !== 0) return false;
  return true;
}

/** A 32-bit integer hash (murmur3's finalizer), for well-spread Zobrist keys. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}
