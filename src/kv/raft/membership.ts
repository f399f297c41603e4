/**
 * Membership changes one server at a time. A configuration takes effect when its entry is appended, so a
 * node's configuration is the last conf entry in its log, falling back to its snapshot's membership; when
 * a conflicting suffix is truncated the configuration reverts with it.
 */
import { UserError } from "../../errors";
import { copyMembership } from "./storage";
import type { ConfChange, Membership } from "./types";

const sorted = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);

export function validateConfChange(cc: ConfChange): void {
  if (cc === null || typeof cc !== "object") throw new UserError("raft: conf change must be an object");
  if (cc.type !== "addVoter" && cc.type !== "addLearner" && cc.type !== "remove") {
    throw new UserError(`raft: unknown conf change type ${String(cc.type)}`);
  }
  if (!Number.isSafeInteger(cc.nodeId) || cc.nodeId <= 0) {
    throw new UserError(`raft: conf change node id must be a positive integer, got ${String(cc.nodeId)}`);
  }
  if (cc.context !== undefined && typeof cc.context !== "string") throw new UserError("raft: conf change context must be a string");
}

/** The membership after `cc`, or a reason it makes no sense against `m`. */
export function applyConfChange(m: Membership, cc: ConfChange): Membership | string {
  const isVoter = m.voters.includes(cc.nodeId);
  const isLearner = m.learners.includes(cc.nodeId);
  const learners = m.learners.filter((id) => id !== cc.nodeId);
  const voters = m.voters.filter((id) => id !== cc.nodeId);
  switch (cc.type) {
    case "addVoter":
      if (isVoter) return `node ${cc.nodeId} is already a voter`;
      return { voters: sorted([...voters, cc.nodeId]), learners };
    case "addLearner":
      if (isLearner) return `node ${cc.nodeId} is already a learner`;
      if (isVoter) return `node ${cc.nodeId} is a voter; demotion is not supported`;
      return { voters, learners: sorted([...learners, cc.nodeId]) };
    case "remove":
      if (!isVoter && !isLearner) return `node ${cc.nodeId} is not a member`;
      if (isVoter && voters.length === 0) return `cannot remove the last voter ${cc.nodeId}`;
      return { voters, learners };
  }
}

export function isMember(m: Membership, id: number): boolean {
  return m.voters.includes(id) || m.learners.includes(id);
}

/** The configurations a node's log implies: a base (snapshot) plus one per conf entry above it. */
export class MembershipLog {
  private base: { index: number; membership: Membership };
  private changes: { index: number; membership: Membership }[] = [];

  constructor(index: number, membership: Membership) {
    this.base = { index, membership: copyMembership(membership) };
  }

  current(): Membership {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1].membership : this.base.membership;
  }

  /** Index of the entry that set the current membership (the base index if no entry did). */
  currentIndex(): number {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1].index : this.base.index;
  }

  /** Membership in effect at log index `index` (which must not be below the base). */
  at(index: number): Membership {
    if (index < this.base.index) throw new Error(`raft: membership at ${index} is below ${this.base.index}`);
    let m = this.base.membership;
    for (const c of this.changes) {
      if (c.index > index) break;
      m = c.membership;
    }
    return copyMembership(m);
  }

  record(index: number, membership: Membership): void {
    this.changes.push({ index, membership: copyMembership(membership) });
  }

  /** Forgets conf entries at or after `index` (their log suffix was replaced). */
  truncateFrom(index: number): void {
    while (this.changes.length > 0 && this.changes[this.changes.length - 1].index >= index) this.changes.pop();
  }

  /** Restarts from a snapshot. */
  reset(index: number, membership: Membership): void {
    this.base = { index, membership: copyMembership(membership) };
    this.changes = [];
  }

  /** Folds changes at or below a compaction point into the base (they can no longer be truncated). */
  compact(index: number): void {
    if (index <= this.base.index) return;
    this.base = { index, membership: this.at(index) };
    this.changes = this.changes.filter((c) => c.index > index);
  }
}
