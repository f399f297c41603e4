/**
 * Raft's safety properties (paper Figure 3), checked incrementally as the simulator runs:
 * election safety, log matching, leader completeness and state-machine safety, plus linearizable reads.
 */
import type { LogView } from "../log";
import type { Entry } from "../types";

export class SimViolation extends Error {
  override name = "SimViolation";
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

/** What identifies an entry's content (its index and term are keyed separately). */
export function entryKey(e: Entry): string {
  return e.type === "normal" ? `n:${e.data}` : `c:${e.change.type}:${e.change.nodeId}`;
}

interface Committed {
  term: number;
  key: string;
  /** Earliest term in which some node was seen to treat it as committed. */
  inTerm: number;
}

export class InvariantChecker {
  private leaderOf = new Map<number, number>();
  /** `${index}/${term}` -> `${prevTerm}|${key}` for every entry any node ever appended. */
  private entries = new Map<string, string>();
  private committed = new Map<number, Committed>();
  private maxCommitted = 0;
  private applied = new Map<number, { key: string; hash: number }>();

  get committedIndex(): number {
    return this.maxCommitted;
  }

  /** Election safety: at most one leader per term. Leader completeness when a leader first appears. */
  onLeader(id: number, term: number, log: LogView): void {
    const known = this.leaderOf.get(term);
    if (known === id) return;
    if (known !== undefined) throw new SimViolation("election safety", `nodes ${known} and ${id} both lead term ${term}`);
    this.leaderOf.set(term, id);
    for (let i = log.firstIndex(); i <= this.maxCommitted; i++) {
      const c = this.committed.get(i);
      if (!c || c.inTerm > term) continue; // committed only in a later term: not this leader's concern
      const t = log.term(i);
      if (t !== c.term) {
        throw new SimViolation(
          "leader completeness",
          `leader ${id} of term ${term} has term ${t} at index ${i}, committed with term ${c.term} in term ${c.inTerm}`,
        );
      }
    }
  }

  /** Log matching: one (index, term) pair always names the same entry after the same predecessor. */
  onAppend(id: number, entries: Entry[], log: LogView): void {
    for (const e of entries) {
      const prevTerm = log.term(e.index - 1);
      const k = `${e.index}/${e.term}`;
      const v = `${prevTerm ?? "?"}|${entryKey(e)}`;
      const seen = this.entries.get(k);
      if (seen === undefined || seen === v) {
        if (seen === undefined) this.entries.set(k, v);
        continue;
      }
      const [p0, k0] = splitOnce(seen);
      const [p1, k1] = splitOnce(v);
      if (k0 !== k1 || (p0 !== "?" && p1 !== "?" && p0 !== p1)) {
        throw new SimViolation("log matching", `node ${id} has entry ${k} as ${v}, elsewhere ${seen}`);
      }
      if (p0 === "?") this.entries.set(k, v);
    }
  }

  /** Committed entries never change; records them for leader-completeness checks. */
  onCommit(id: number, term: number, entries: Entry[]): void {
    for (const e of entries) {
      const c = this.committed.get(e.index);
      const key = entryKey(e);
      if (!c) {
        this.committed.set(e.index, { term: e.term, key, inTerm: term });
        if (e.index > this.maxCommitted) this.maxCommitted = e.index;
      } else if (c.term !== e.term || c.key !== key) {
        throw new SimViolation("committed entry changed", `node ${id} committed ${e.index}/${e.term} ${key}, before ${c.term} ${c.key}`);
      } else if (term < c.inTerm) {
        c.inTerm = term;
      }
    }
  }

  /** State-machine safety: every node applies the same entry (and reaches the same state) at an index. */
  onApply(id: number, index: number, key: string, hash: number): void {
    const seen = this.applied.get(index);
    if (!seen) this.applied.set(index, { key, hash });
    else if (seen.key !== key || seen.hash !== hash) {
      throw new SimViolation("state machine safety", `node ${id} applied ${key} at ${index}, another node ${seen.key}`);
    }
  }

  /** A snapshot must reproduce the state other nodes had at its index. */
  onSnapshotInstalled(id: number, index: number, hash: number): void {
    const seen = this.applied.get(index);
    if (seen && seen.hash !== hash) {
      throw new SimViolation("state machine safety", `node ${id} installed a snapshot at ${index} that differs from applied state`);
    }
  }

  /** Full pairwise log matching between two nodes' current logs (run now and then; O(log length)). */
  compareLogs(a: number, la: LogView, b: number, lb: LogView): void {
    const lo = Math.max(la.firstIndex(), lb.firstIndex());
    let i = Math.min(la.lastIndex(), lb.lastIndex());
    while (i >= lo && la.term(i) !== lb.term(i)) i--;
    if (i < lo) return;
    const ea = la.slice(lo, i + 1) ?? [];
    const eb = lb.slice(lo, i + 1) ?? [];
    for (let k = 0; k < ea.length; k++) {
      if (ea[k].term !== eb[k].term || entryKey(ea[k]) !== entryKey(eb[k])) {
        throw new SimViolation("log matching", `nodes ${a} and ${b} agree at ${i} but differ at ${ea[k].index}`);
      }
    }
  }
}

function splitOnce(s: string): [string, string] {
  const k = s.indexOf("|");
  return [s.slice(0, k), s.slice(k + 1)];
}
