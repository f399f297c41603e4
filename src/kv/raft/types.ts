/**
 * Plain data types of the Raft core. Everything here is JSON-safe (numbers, strings, booleans, arrays,
 * plain objects), so a transport or a durable log can serialize it with JSON.stringify as is.
 *
 * Payloads (`NormalEntry.data`, `Snapshot.data`) are strings that the core never looks into. Binary
 * payloads are carried base64-encoded: see `encodeData` / `decodeData` in codec.ts.
 */

/** Node ids are positive integers; NONE means "no node" (no leader known, no vote cast). */
export const NONE = 0;

/** The servers of a cluster: voters elect and count for commitment; learners only receive the log. */
export interface Membership {
  /** Sorted ascending, no duplicates, disjoint from learners. */
  voters: number[];
  /** Sorted ascending, no duplicates. */
  learners: number[];
}

/** One-server membership change (Raft dissertation §4.1); `addVoter` on a learner promotes it. */
export interface ConfChange {
  type: "addVoter" | "addLearner" | "remove";
  nodeId: number;
  /** Opaque to the core and replicated with the entry (the server puts the new member's addresses here). */
  context?: string;
}

/** An application command. The leader's no-op entry at the start of its term has data "". */
export interface NormalEntry {
  type: "normal";
  index: number;
  term: number;
  data: string;
}

/**
 * A membership change. It carries the whole resulting membership, not just the delta, so a server that
 * never saw the bootstrap configuration (a new node catching up from index 1) still learns it exactly.
 * It takes effect on every server as soon as it is appended to that server's log.
 */
export interface ConfEntry {
  type: "conf";
  index: number;
  term: number;
  change: ConfChange;
  membership: Membership;
}

export type Entry = NormalEntry | ConfEntry;

/** The state that must be on stable storage before any message produced with it is sent. */
export interface HardState {
  term: number;
  /** Candidate voted for in `term`, or NONE. */
  vote: number;
  commit: number;
}

/** A compacted prefix of the log: the state machine as of `index` (term `term`), opaque to the core. */
export interface Snapshot {
  index: number;
  term: number;
  /** Membership in effect at `index` (the last conf entry at or before it). */
  membership: Membership;
  data: string;
}

export type Role = "follower" | "preCandidate" | "candidate" | "leader";

/** Result of a ReadIndex request: reads issued with `ctx` are linearizable once `index` is applied. */
export interface ReadState {
  index: number;
  ctx: string;
}

interface Envelope {
  from: number;
  to: number;
  /** Sender's term; for preVote it is the term the sender would campaign in (its term + 1). */
  term: number;
}

/** RequestVote (or its pre-vote dry run) carrying the candidate's last log position. */
export interface VoteRequest extends Envelope {
  type: "preVote" | "vote";
  index: number;
  logTerm: number;
  /** Set by a leadership transfer: voters must not ignore it even while they still hear a leader. */
  transfer: boolean;
}

export interface VoteResponse extends Envelope {
  type: "preVoteResp" | "voteResp";
  reject: boolean;
}

/** AppendEntries: `entries` follow the entry at (`index`, `logTerm`). */
export interface AppendRequest extends Envelope {
  type: "append";
  index: number;
  logTerm: number;
  entries: Entry[];
  commit: number;
}

/**
 * Success: `index` is the last index known to match the leader. Rejection: `index` is the rejected
 * append's `index`, and (`hintIndex`, `hintTerm`) is the follower's last entry at or below it whose term
 * is at most the append's `logTerm`, so the leader can skip a whole conflicting term at once.
 */
export interface AppendResponse extends Envelope {
  type: "appendResp";
  index: number;
  reject: boolean;
  hintIndex: number;
  hintTerm: number;
}

/** `commit` is min(leader commit, follower's match) so a follower never commits what it may not hold. */
export interface Heartbeat extends Envelope {
  type: "heartbeat";
  commit: number;
  /** ReadIndex context being confirmed, or "". */
  ctx: string;
}

export interface HeartbeatResponse extends Envelope {
  type: "heartbeatResp";
  ctx: string;
}

export interface InstallSnapshot extends Envelope {
  type: "snapshot";
  snapshot: Snapshot;
}

/** Leadership transfer: the target starts an election at once, skipping pre-vote. */
export interface TimeoutNow extends Envelope {
  type: "timeoutNow";
}

/** A follower forwarding a ReadIndex request to its leader. */
export interface ReadIndexRequest extends Envelope {
  type: "readIndex";
  ctx: string;
}

export interface ReadIndexResponse extends Envelope {
  type: "readIndexResp";
  index: number;
  ctx: string;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

/**
 * Work for the caller, returned by `RaftNode.ready()`. Handle it in this order, then call `advance(rd)`:
 *  1. persist `snapshot` (if any), then `entries` (replacing any stored suffix from the first one's
 *     index on), then `hardState` (if any); fsync when `mustSync`;
 *  2. only then send `messages` (they may acknowledge what step 1 persisted: votes, appended entries);
 *  3. apply `snapshot` to the state machine, then `committedEntries` in order;
 *  4. hand `readStates` to waiting readers (serve each once the applied index reaches its `index`).
 */
export interface Ready {
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** True when term, vote, entries or snapshot changed: the write must be durable before sending. */
  mustSync: boolean;
}

/** Why a request was refused; `leader` is the leader this node knows of (NONE if none), for redirects. */
export interface Rejection {
  ok: false;
  reason:
    | "not-leader"
    | "no-leader"
    | "transferring"
    | "conf-change-pending"
    | "invalid-conf-change"
    | "not-a-voter"
    | "already-leader";
  leader: number;
  detail?: string;
}

/** Accepted proposals give the log position to watch in committedEntries (same index and term). */
export type ProposeResult = { ok: true; index: number; term: number } | Rejection;

export type RequestResult = { ok: true } | Rejection;
