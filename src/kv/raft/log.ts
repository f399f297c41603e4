/**
 * The node's view of its log: what storage holds (persisted) plus what is not yet persisted (an incoming
 * snapshot and/or a suffix of entries). Entries at or after `offset` come from the unstable suffix, which
 * may replace a suffix still sitting in storage until the caller persists the replacement.
 */
import { entrySize } from "./codec";
import type { RaftStorage } from "./storage";
import type { Entry, Snapshot } from "./types";

/** Read-only view for callers and invariant checks. */
export interface LogView {
  readonly committed: number;
  readonly applied: number;
  firstIndex(): number;
  lastIndex(): number;
  term(i: number): number | undefined;
  slice(lo: number, hi: number): Entry[] | undefined;
}

export class RaftLog implements LogView {
  committed: number;
  applied: number;
  /** Entries not yet persisted; unstable[k].index === offset + k. */
  private unstable: Entry[] = [];
  private offset: number;
  /** A snapshot received from the leader and not yet persisted. */
  private pendingSnapshot: Snapshot | undefined;

  constructor(private readonly storage: RaftStorage) {
    this.offset = storage.lastIndex() + 1;
    this.committed = storage.firstIndex() - 1;
    this.applied = this.committed;
  }

  firstIndex(): number {
    return this.pendingSnapshot ? this.pendingSnapshot.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.offset + this.unstable.length - 1;
    if (this.pendingSnapshot) return this.pendingSnapshot.index;
    return this.storage.lastIndex();
  }

  /** Term of entry i, or undefined when i is compacted away or beyond the last index. */
  term(i: number): number | undefined {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    if (i >= this.offset) return this.unstable[i - this.offset].term;
    // Below offset with a pending snapshot, only the snapshot's own index is in range.
    if (this.pendingSnapshot) return this.pendingSnapshot.term;
    return this.storage.term(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** Entries [lo, hi), or undefined if part of the range is compacted. */
  slice(lo: number, hi: number): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    hi = Math.min(hi, this.lastIndex() + 1);
    if (lo >= hi) return [];
    const out: Entry[] = [];
    if (lo < this.offset) out.push(...this.storage.entries(lo, Math.min(hi, this.offset)));
    if (hi > this.offset) {
      out.push(...this.unstable.slice(Math.max(lo, this.offset) - this.offset, hi - this.offset));
    }
    return out;
  }

  /** A batch starting at lo: at most maxCount entries and maxBytes (but always one entry if any exist). */
  batch(lo: number, maxCount: number, maxBytes: number): Entry[] | undefined {
    const ents = this.slice(lo, lo + maxCount);
    if (ents === undefined) return undefined;
    let bytes = 0;
    for (let k = 0; k < ents.length; k++) {
      bytes += entrySize(ents[k]);
      if (bytes > maxBytes && k > 0) return ents.slice(0, k);
    }
    return ents;
  }

  /** Raft §5.4.1: is a log ending at (index, term) at least as up to date as ours? */
  isUpToDate(index: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /** Index of the first entry that is new or conflicts with ours (0 if all already match). */
  findConflict(ents: Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The last index <= `index` whose term is <= `term`: no entry above it can match a log whose entry at
   * `index` has term `term`, so probing can jump straight there. Stops at the compaction boundary.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term || i === 0) return { index: i, term: t };
      i--;
    }
  }

  /** Appends entries, truncating any conflicting suffix; callers have checked they follow committed. */
  append(ents: Entry[]): void {
    if (ents.length === 0) return;
    const after = ents[0].index;
    if (after <= this.committed) {
      throw new Error(`raft: entry ${after} would overwrite committed index ${this.committed}`);
    }
    if (after > this.lastIndex() + 1) throw new Error(`raft: gap appending ${after} after ${this.lastIndex()}`);
    if (after === this.offset + this.unstable.length) {
      this.unstable.push(...ents);
    } else if (after <= this.offset) {
      // Replaces (part of) the persisted suffix: storage keeps it until the caller writes these.
      this.offset = after;
      this.unstable = ents.slice();
    } else {
      this.unstable = this.unstable.slice(0, after - this.offset).concat(ents);
    }
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new Error(`raft: commit ${index} beyond last index ${this.lastIndex()}`);
    }
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index < this.applied || index > this.committed) {
      throw new Error(`raft: applied ${index} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = index;
  }

  /** Replaces the log with a leader's snapshot (everything it covers is committed by definition). */
  restore(snap: Snapshot): void {
    this.pendingSnapshot = snap;
    this.unstable = [];
    this.offset = snap.index + 1;
    this.committed = snap.index;
  }

  unstableEntries(): Entry[] {
    return this.unstable.slice();
  }

  hasUnstableEntries(): boolean {
    return this.unstable.length > 0;
  }

  unstableSnapshot(): Snapshot | undefined {
    return this.pendingSnapshot;
  }

  /** The snapshot to send a lagging follower: the newest one this node has. */
  snapshot(): Snapshot {
    return this.pendingSnapshot ?? this.storage.snapshot();
  }

  /** Committed entries not yet handed out for applying; none while a snapshot awaits persisting. */
  nextCommitted(maxCount: number): Entry[] {
    if (this.pendingSnapshot) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = Math.min(this.committed + 1, lo + maxCount);
    return this.slice(lo, hi) ?? [];
  }

  hasNextCommitted(): boolean {
    return !this.pendingSnapshot && this.committed > this.applied;
  }

  /** The caller persisted entries up to (index, term): drop them from the unstable suffix. */
  /** Last index known to be on stable storage (0 while a received snapshot is not yet persisted). */
  persistedIndex(): number {
    return this.pendingSnapshot ? 0 : this.offset - 1;
  }

  stableTo(index: number, term: number): void {
    if (index < this.offset || this.term(index) !== term) return; // replaced meanwhile; still unstable
    this.unstable = this.unstable.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapTo(index: number): void {
    if (this.pendingSnapshot?.index === index) this.pendingSnapshot = undefined;
  }
}
