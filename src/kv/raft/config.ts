/** Node configuration: defaults and validation (bad values are the caller's input errors). */
import { UserError } from "../../errors";
import type { RaftStorage } from "./storage";

export interface RaftConfig {
  /** This node's id (positive integer). */
  id: number;
  storage: RaftStorage;
  /** Seeded random source in [0, 1) for election-timeout jitter; the only randomness the core uses. */
  rng: () => number;
  /** Ticks without hearing from a leader before campaigning (randomized in [t, 2t)). Default 10. */
  electionTick?: number;
  /** Ticks between leader heartbeats; must be below electionTick. Default 1. */
  heartbeatTick?: number;
  /** Index the state machine had already applied at restart. Default: the snapshot's index. */
  applied?: number;
  /** Most entries per append message. Default 64. */
  maxEntriesPerMsg?: number;
  /** Approximate most bytes per append message (always at least one entry). Default 1 MiB. */
  maxBytesPerMsg?: number;
  /** Most appends in flight to one follower in replicate state. Default 32. */
  maxInflightMsgs?: number;
  /** Most committed entries handed out by one ready(). Default 1024. */
  maxCommittedPerReady?: number;
  /** Pre-vote (dissertation §9.6): a dry-run election so a rejoining node cannot bump terms. Default true. */
  preVote?: boolean;
  /** A leader steps down when it has not heard from a quorum for an election timeout. Default true. */
  checkQuorum?: boolean;
  /**
   * "safe": every ReadIndex is confirmed by a heartbeat round to a quorum. "lease": the leader answers from
   * its commit index at once, trusting that no other leader can exist within an election timeout of its
   * last quorum contact; that holds only if clocks (tick rates) drift by a bounded amount, and it needs
   * checkQuorum. Default "safe".
   */
  readMode?: "safe" | "lease";
  /**
   * Send every follower an (empty) append as soon as the commit index advances, as etcd/raft does.
   * Default true. False: followers learn it from the next append or heartbeat (within heartbeatTick), as in
   * HashiCorp Raft; at low load that halves the messages, disk batches and wake-ups per write, and a
   * follower applies a write up to a heartbeat later (its ReadIndex reads still wait until applied).
   */
  broadcastCommit?: boolean;
}

export type ResolvedConfig = Required<Omit<RaftConfig, "applied">> & { applied: number | undefined };

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) throw new UserError(`raft config: ${name} must be a positive integer, got ${v}`);
  return v;
}

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const r: ResolvedConfig = {
    id: positiveInt("id", c.id),
    storage: c.storage,
    rng: c.rng,
    electionTick: positiveInt("electionTick", c.electionTick ?? 10),
    heartbeatTick: positiveInt("heartbeatTick", c.heartbeatTick ?? 1),
    applied: c.applied,
    maxEntriesPerMsg: positiveInt("maxEntriesPerMsg", c.maxEntriesPerMsg ?? 64),
    maxBytesPerMsg: positiveInt("maxBytesPerMsg", c.maxBytesPerMsg ?? 1 << 20),
    maxInflightMsgs: positiveInt("maxInflightMsgs", c.maxInflightMsgs ?? 32),
    maxCommittedPerReady: positiveInt("maxCommittedPerReady", c.maxCommittedPerReady ?? 1024),
    preVote: c.preVote ?? true,
    checkQuorum: c.checkQuorum ?? true,
    readMode: c.readMode ?? "safe",
    broadcastCommit: c.broadcastCommit ?? true,
  };
  if (!r.storage) throw new UserError("raft config: storage is required");
  if (typeof r.rng !== "function") throw new UserError("raft config: rng is required");
  if (r.heartbeatTick >= r.electionTick) {
    throw new UserError(`raft config: heartbeatTick ${r.heartbeatTick} must be below electionTick ${r.electionTick}`);
  }
  if (r.readMode !== "safe" && r.readMode !== "lease") throw new UserError(`raft config: unknown readMode ${String(r.readMode)}`);
  if (r.readMode === "lease" && !r.checkQuorum) {
    throw new UserError("raft config: lease reads need checkQuorum (the lease is the check-quorum window)");
  }
  if (r.applied !== undefined && (!Number.isSafeInteger(r.applied) || r.applied < 0)) {
    throw new UserError(`raft config: applied must be a non-negative integer, got ${r.applied}`);
  }
  return r;
}
