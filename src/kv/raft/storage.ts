/**
 * The log as the core reads it. The core never writes storage: the caller persists what `ready()` hands
 * out (entries, hard state, snapshot) and compacts it, then calls `advance()`. A durable implementation
 * needs only these read methods plus its own write path.
 *
 * Index layout: the snapshot covers indexes 1..snapshot().index; entries firstIndex()..lastIndex() follow
 * it, with firstIndex() == snapshot().index + 1 (lastIndex() == firstIndex() - 1 when there are none).
 */
import { UserError } from "../../errors";
import type { Entry, HardState, Membership, Snapshot } from "./types";

export interface RaftStorage {
  /** Last persisted hard state ({term: 0, vote: 0, commit: 0} for a new node). */
  initialState(): HardState;
  /** Entries [lo, hi); requires firstIndex() <= lo <= hi <= lastIndex() + 1. */
  entries(lo: number, hi: number): Entry[];
  /** Term of entry i for firstIndex() - 1 <= i <= lastIndex() (the snapshot's term at firstIndex() - 1). */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The latest snapshot; index 0 / term 0 with the bootstrap membership before any compaction. */
  snapshot(): Snapshot;
}

/** Deep-enough copy of a membership so callers can never alias the core's arrays. */
export function copyMembership(m: Membership): Membership {
  return { voters: [...m.voters], learners: [...m.learners] };
}

/** In-memory RaftStorage: the reference implementation used by tests and the simulator. */
export class MemoryStorage implements RaftStorage {
  private hard: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot;
  /** ents[k].index === snap.index + 1 + k. */
  private ents: Entry[] = [];

  /** A fresh node: empty log and the given bootstrap membership (empty for a node that will be added). */
  constructor(membership: Membership = { voters: [], learners: [] }) {
    this.snap = { index: 0, term: 0, membership: copyMembership(membership), data: "" };
  }

  initialState(): HardState {
    return { ...this.hard };
  }

  firstIndex(): number {
    return this.snap.index + 1;
  }

  lastIndex(): number {
    return this.snap.index + this.ents.length;
  }

  term(i: number): number {
    if (i === this.snap.index) return this.snap.term;
    this.checkRange(i, i + 1);
    return this.ents[i - this.snap.index - 1].term;
  }

  entries(lo: number, hi: number): Entry[] {
    this.checkRange(lo, hi);
    return this.ents.slice(lo - this.snap.index - 1, hi - this.snap.index - 1);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  setHardState(hs: HardState): void {
    this.hard = { ...hs };
  }

  /** Appends entries, first dropping any stored suffix they replace; entries already compacted are skipped. */
  append(entries: Entry[]): void {
    const fresh = entries.filter((e) => e.index > this.snap.index);
    if (fresh.length === 0) return;
    const first = fresh[0].index;
    if (first > this.lastIndex() + 1) {
      throw new UserError(`raft storage: gap before entry ${first} (last index ${this.lastIndex()})`);
    }
    this.ents = this.ents.slice(0, first - this.snap.index - 1).concat(fresh);
  }

  /** Replaces the whole log with a snapshot received from a leader. */
  applySnapshot(snap: Snapshot): void {
    if (snap.index < this.snap.index) {
      throw new UserError(`raft storage: snapshot ${snap.index} is older than ${this.snap.index}`);
    }
    this.snap = snap;
    this.ents = [];
  }

  /** Installs a locally taken snapshot (from RaftNode.createSnapshot) and drops the entries it covers. */
  compact(snap: Snapshot): void {
    if (snap.index <= this.snap.index) return;
    if (snap.index > this.lastIndex()) {
      throw new UserError(`raft storage: cannot compact to ${snap.index} beyond last index ${this.lastIndex()}`);
    }
    if (this.term(snap.index) !== snap.term) {
      throw new UserError(`raft storage: snapshot term ${snap.term} does not match entry ${snap.index}`);
    }
    this.ents = this.ents.slice(snap.index - this.snap.index);
    this.snap = snap;
  }

  private checkRange(lo: number, hi: number): void {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1 || lo > hi) {
      // The core only asks for ranges it knows exist: reaching here is a bug, not bad input.
      throw new RangeError(
        `raft storage: range [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`,
      );
    }
  }
}
