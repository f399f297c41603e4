/**
 * The Raft state machine of one server: deterministic and free of I/O. Drive it with `step()` (incoming
 * messages), `tick()` (the only clock) and the request methods; collect its output with `ready()` and
 * acknowledge with `advance()`. See `Ready` in types.ts for the persist-before-send contract.
 */
import { UserError } from "../../errors";
import { resolveConfig, type RaftConfig, type ResolvedConfig } from "./config";
import { RaftLog, type LogView } from "./log";
import { applyConfChange, isMember, MembershipLog, validateConfChange } from "./membership";
import { Progress, type ProgressState } from "./progress";
import { hasQuorum, quorumMatch, tally } from "./quorum";
import { ReadOnlyQueue } from "./read-only";
import { copyMembership } from "./storage";
import {
  NONE,
  type AppendRequest,
  type AppendResponse,
  type ConfChange,
  type Entry,
  type HardState,
  type Heartbeat,
  type HeartbeatResponse,
  type InstallSnapshot,
  type Membership,
  type Message,
  type ProposeResult,
  type ReadState,
  type Ready,
  type Rejection,
  type RequestResult,
  type Role,
  type Snapshot,
  type VoteRequest,
  type VoteResponse,
} from "./types";

export interface NodeStatus {
  id: number;
  role: Role;
  term: number;
  vote: number;
  lead: number;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  membership: Membership;
  leadTransferee: number;
  /** Leader only: each member's replication state. */
  progress: Record<number, { match: number; next: number; state: ProgressState }>;
}

export class RaftNode {
  readonly id: number;
  private readonly cfg: ResolvedConfig;
  private readonly raftLog: RaftLog;
  private readonly conf: MembershipLog;

  private term = 0;
  private vote = NONE;
  private lead = NONE;
  private role: Role = "follower";

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;

  private votes = new Map<number, boolean>();
  private progress = new Map<number, Progress>();
  /** Leader: no conf change may be proposed until this index (last conf entry or own no-op) commits. */
  private pendingConfIndex = 0;
  private leadTransferee = NONE;
  private readOnly = new ReadOnlyQueue();
  /** Leader: ReadIndex requests waiting for the first commit of this term. */
  private pendingReads: { ctx: string; from: number }[] = [];

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private prevHard: HardState;
  private readyOutstanding = false;

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    const storage = this.cfg.storage;
    const hs = storage.initialState();
    const snap = storage.snapshot();
    this.raftLog = new RaftLog(storage);
    this.conf = new MembershipLog(snap.index, snap.membership);
    // Configurations take effect when appended, so uncommitted conf entries count too.
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    for (const e of last >= first ? storage.entries(first, last + 1) : []) {
      if (e.type === "conf") this.conf.record(e.index, e.membership);
    }
    const commit = Math.max(hs.commit, snap.index);
    if (commit > last) throw new UserError(`raft: stored commit ${hs.commit} is beyond the last entry ${last}`);
    this.raftLog.committed = commit;
    const applied = this.cfg.applied ?? snap.index;
    if (applied < snap.index || applied > commit) {
      throw new UserError(`raft config: applied ${applied} outside [${snap.index}, ${commit}]`);
    }
    this.raftLog.applied = applied;
    this.term = hs.term;
    this.vote = hs.vote;
    this.becomeFollower(hs.term, NONE);
    this.prevHard = { ...hs };
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.role === "leader") this.tickLeader();
    else this.tickElection();
  }

  /** Feeds one message received from a peer. */
  step(m: Message): void {
    if (m.to !== this.id) throw new UserError(`raft: message for node ${m.to} stepped into node ${this.id}`);
    if (m.term > this.term) {
      if (m.type === "preVote" || m.type === "vote") {
        // A voter that heard from a live leader within the election timeout ignores campaigns (it is
        // likely a removed or partitioned server), unless the leader itself handed over (transfer).
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTick;
        if (inLease && !m.transfer) return;
      }
      if (m.type === "preVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "preVoteResp" && !m.reject) {
        // A granted pre-vote carries the term we would campaign in; handled below.
      } else {
        const fromLeader = m.type === "append" || m.type === "heartbeat" || m.type === "snapshot";
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === "append" || m.type === "heartbeat")) {
        // A stale leader would never learn our term (we ignore its votes while it cannot win): tell it.
        this.send({ type: "appendResp", to: m.from, term: this.term, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
      } else if (m.type === "preVote") {
        this.send({ type: "preVoteResp", to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === "preVote" || m.type === "vote") {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case "leader":
        this.stepLeader(m);
        break;
      case "candidate":
      case "preCandidate":
        this.stepCandidate(m);
        break;
      case "follower":
        this.stepFollower(m);
        break;
    }
  }

  /** Leader only: appends a command. Followers do not forward; redirect to `leader` instead. */
  propose(data: string): ProposeResult {
    if (typeof data !== "string") throw new UserError("raft: proposal data must be a string (base64 for bytes)");
    const refused = this.refuseProposal();
    if (refused) return refused;
    const index = this.raftLog.lastIndex() + 1;
    this.appendAsLeader([{ type: "normal", index, term: this.term, data }]);
    return { ok: true, index, term: this.term };
  }

  /**
   * Leader only: proposes a one-server membership change. It takes effect when appended; another can be
   * proposed only after it commits (and after the leader committed an entry of its own term).
   */
  proposeConfChange(change: ConfChange): ProposeResult {
    validateConfChange(change);
    const refused = this.refuseProposal();
    if (refused) return refused;
    if (this.pendingConfIndex > this.raftLog.committed) return this.reject("conf-change-pending");
    const next = applyConfChange(this.conf.current(), change);
    if (typeof next === "string") return { ...this.reject("invalid-conf-change"), detail: next };
    const index = this.raftLog.lastIndex() + 1;
    this.pendingConfIndex = index;
    this.appendAsLeader([{ type: "conf", index, term: this.term, change: { ...change }, membership: next }]);
    return { ok: true, index, term: this.term };
  }

  /**
   * Leader only: hands leadership to voter `to`. Proposals are refused until the transfer completes or is
   * abandoned after an election timeout.
   */
  transferLeadership(to: number): RequestResult {
    if (this.role !== "leader") return this.reject("not-leader");
    if (to === this.id) return this.reject("already-leader");
    if (!this.conf.current().voters.includes(to)) return this.reject("not-a-voter");
    if (this.leadTransferee === to) return { ok: true };
    this.leadTransferee = to;
    this.electionElapsed = 0; // the abort deadline is one election timeout from now
    const pr = this.progress.get(to);
    if (pr && pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
    return { ok: true };
  }

  /**
   * Linearizable read barrier. The answer arrives later as a ReadState {index, ctx} in ready(): serve the
   * read once the applied index reaches `index`. `ctx` must be unique among pending requests; a request
   * is silently dropped if leadership changes, so callers need a timeout and retry.
   */
  readIndex(ctx: string): RequestResult {
    if (typeof ctx !== "string" || ctx === "") throw new UserError("raft: readIndex ctx must be a non-empty string");
    if (this.role === "leader") {
      this.handleReadRequest(ctx, this.id);
      return { ok: true };
    }
    if (this.lead === NONE) return this.reject("no-leader");
    this.send({ type: "readIndex", to: this.lead, term: this.term, ctx });
    return { ok: true };
  }

  /** Transport feedback: a snapshot to `to` was delivered (ok) or failed; speeds up recovery. */
  reportSnapshot(to: number, ok: boolean): void {
    const pr = this.role === "leader" ? this.progress.get(to) : undefined;
    if (!pr || pr.state !== "snapshot") return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    pr.probeSent = true; // wait for the follower's reply or the next heartbeat reply
  }

  /** Transport feedback: `to` could not be reached; stop pipelining to it. */
  reportUnreachable(to: number): void {
    const pr = this.role === "leader" ? this.progress.get(to) : undefined;
    if (pr && pr.state === "replicate") pr.becomeProbe();
  }

  /** Starts an election now (pre-vote first when enabled), as an election timeout would. */
  campaign(): void {
    this.hup(false);
  }

  /**
   * Builds a snapshot of the applied state at `index` (<= applied) with its term and membership. The
   * caller persists it and compacts its storage (MemoryStorage.compact); the core then serves it to
   * followers that fall behind the compaction point.
   */
  createSnapshot(index: number, data: string): Snapshot {
    if (typeof data !== "string") throw new UserError("raft: snapshot data must be a string");
    if (!Number.isSafeInteger(index) || index > this.raftLog.applied) {
      throw new UserError(`raft: snapshot index ${index} is beyond the applied index ${this.raftLog.applied}`);
    }
    const term = this.raftLog.term(index);
    if (term === undefined || index < this.raftLog.firstIndex()) {
      throw new UserError(`raft: snapshot index ${index} is already compacted (first index ${this.raftLog.firstIndex()})`);
    }
    const membership = this.conf.at(index);
    this.conf.compact(index);
    return { index, term, membership, data };
  }

  // ---------------------------------------------------------------- outputs

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.raftLog.unstableSnapshot() !== undefined ||
      this.raftLog.hasUnstableEntries() ||
      this.raftLog.hasNextCommitted() ||
      !sameHardState(this.hardState(), this.prevHard)
    );
  }

  /** Collects pending work; every ready() must be followed by advance(rd) before the next ready(). */
  ready(): Ready {
    if (this.readyOutstanding) throw new Error("raft: ready() called again before advance()");
    this.readyOutstanding = true;
    const hs = this.hardState();
    const changed = !sameHardState(hs, this.prevHard);
    const entries = this.raftLog.unstableEntries();
    const snapshot = this.raftLog.unstableSnapshot();
    const rd: Ready = {
      hardState: changed ? hs : undefined,
      entries,
      snapshot,
      committedEntries: this.raftLog.nextCommitted(this.cfg.maxCommittedPerReady),
      messages: this.msgs,
      readStates: this.readStates,
      mustSync:
        entries.length > 0 || snapshot !== undefined || hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote,
    };
    this.msgs = [];
    this.readStates = [];
    return rd;
  }

  /** The caller has persisted, sent and applied `rd`. Steps between ready() and advance() are fine. */
  advance(rd: Ready): void {
    if (!this.readyOutstanding) throw new Error("raft: advance() without a ready()");
    this.readyOutstanding = false;
    if (rd.hardState) this.prevHard = rd.hardState;
    if (rd.snapshot) {
      this.raftLog.stableSnapTo(rd.snapshot.index);
      if (rd.snapshot.index > this.raftLog.applied) this.raftLog.appliedTo(rd.snapshot.index);
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      this.raftLog.stableTo(last.index, last.term);
      this.selfPersisted();
    }
    if (rd.committedEntries.length > 0) {
      this.raftLog.appliedTo(rd.committedEntries[rd.committedEntries.length - 1].index);
    }
  }

  /** The cheap, volatile part of status(): role, term and known leader. */
  softState(): { role: Role; term: number; lead: number } {
    return { role: this.role, term: this.term, lead: this.lead };
  }

  status(): NodeStatus {
    const progress: NodeStatus["progress"] = {};
    if (this.role === "leader") {
      for (const [id, pr] of this.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      lead: this.lead,
      commit: this.raftLog.committed,
      applied: this.raftLog.applied,
      firstIndex: this.raftLog.firstIndex(),
      lastIndex: this.raftLog.lastIndex(),
      membership: copyMembership(this.conf.current()),
      leadTransferee: this.leadTransferee,
      progress,
    };
  }

  /** Read-only view of the log (persisted plus unstable), for inspection and invariant checks. */
  get log(): LogView {
    return this.raftLog;
  }

  // ---------------------------------------------------------------- roles

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = NONE;
    this.votes.clear();
    this.progress.clear();
    this.pendingConfIndex = 0;
    this.readOnly.reset();
    this.pendingReads = [];
  }

  private becomeFollower(term: number, lead: number): void {
    this.reset(term);
    this.lead = lead;
    this.role = "follower";
  }

  private becomePreCandidate(): void {
    // Pre-vote changes neither term nor vote: a failed dry run leaves no trace.
    this.votes.clear();
    this.progress.clear();
    this.lead = NONE;
    this.resetRandomizedElectionTimeout();
    this.role = "preCandidate";
  }

  private becomeCandidate(): void {
    if (this.role === "leader") throw new Error("raft: leader cannot become candidate");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  private becomeLeader(): void {
    if (this.role !== "candidate") throw new Error(`raft: ${this.role} cannot become leader`);
    this.reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    const last = this.raftLog.lastIndex();
    const m = this.conf.current();
    for (const id of [...m.voters, ...m.learners, this.id]) {
      if (!this.progress.has(id)) this.progress.set(id, new Progress(last + 1, this.cfg.maxInflightMsgs));
    }
    const self = this.progress.get(this.id);
    if (self) {
      self.match = Math.min(last, this.raftLog.persistedIndex()); // our own copy counts once durable
      self.becomeReplicate();
    }
    // The no-op commits everything before it (§5.4.2 forbids counting replicas of older terms); no conf
    // change until it commits, which fixes single-server changes across leader changes.
    this.pendingConfIndex = last + 1;
    this.appendAsLeader([{ type: "normal", index: last + 1, term: this.term, data: "" }]);
  }

  private resetRandomizedElectionTimeout(): void {
    const t = this.cfg.electionTick;
    this.randomizedElectionTimeout = t + Math.floor(this.cfg.rng() * t);
  }

  private promotable(): boolean {
    return this.conf.current().voters.includes(this.id);
  }

  // ---------------------------------------------------------------- elections

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private hup(transfer: boolean): void {
    if (this.role === "leader" || !this.promotable()) return;
    if (this.cfg.preVote && !transfer) this.startCampaign("preVote", false);
    else this.startCampaign("vote", transfer);
  }

  private startCampaign(kind: "preVote" | "vote", transfer: boolean): void {
    let term: number;
    if (kind === "preVote") {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    this.votes.set(this.id, true);
    if (tally(this.conf.current().voters, this.votes) === "won") {
      this.onElectionWon();
      return;
    }
    const index = this.raftLog.lastIndex();
    const logTerm = this.raftLog.lastTerm();
    for (const to of this.conf.current().voters) {
      if (to !== this.id) this.send({ type: kind, to, term, index, logTerm, transfer });
    }
  }

  private onElectionWon(): void {
    if (this.role === "preCandidate") {
      this.startCampaign("vote", false);
    } else {
      this.becomeLeader(); // appends and broadcasts the no-op
    }
  }

  private handleVoteRequest(m: VoteRequest): void {
    const resp = m.type === "preVote" ? "preVoteResp" : "voteResp";
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === "preVote" && m.term > this.term);
    if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
      this.send({ type: resp, to: m.from, term: m.term, reject: false });
      if (m.type === "vote") {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: resp, to: m.from, term: this.term, reject: true });
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case "append":
      case "heartbeat":
      case "snapshot":
        // A leader exists for our term.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case "preVoteResp":
        // Grants carry the term we would campaign in; rejections carry the voter's (equal) term.
        if (this.role === "preCandidate" && (m.reject || m.term === this.term + 1)) this.poll(m);
        return;
      case "voteResp":
        if (this.role === "candidate") this.poll(m);
        return;
      default:
        return;
    }
  }

  private poll(m: VoteResponse): void {
    if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
    const outcome = tally(this.conf.current().voters, this.votes);
    if (outcome === "won") this.onElectionWon();
    else if (outcome === "lost") this.becomeFollower(this.term, NONE);
  }

  // ---------------------------------------------------------------- follower

  private stepFollower(m: Message): void {
    switch (m.type) {
      case "append":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case "heartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case "snapshot":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case "timeoutNow":
        this.hup(true);
        return;
      case "readIndexResp":
        this.readStates.push({ index: m.index, ctx: m.ctx });
        return;
      default:
        return;
    }
  }

  private handleAppend(m: AppendRequest): void {
    const log = this.raftLog;
    if (m.index < log.committed) {
      this.sendAppendResp(m.from, log.committed);
      return;
    }
    m.entries.forEach((e, k) => {
      if (e.index !== m.index + 1 + k) throw new UserError(`raft: append from ${m.from} has non-contiguous entries`);
    });
    if (log.matchTerm(m.index, m.logTerm)) {
      const lastNew = m.index + m.entries.length;
      const conflict = log.findConflict(m.entries);
      if (conflict !== 0) {
        if (conflict <= log.committed) throw new Error(`raft: conflict at ${conflict} below commit ${log.committed}`);
        this.appendToLog(m.entries.slice(conflict - m.index - 1));
      }
      log.commitTo(Math.min(m.commit, lastNew));
      this.sendAppendResp(m.from, lastNew);
      return;
    }
    const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
    this.send({
      type: "appendResp",
      to: m.from,
      term: this.term,
      index: m.index,
      reject: true,
      hintIndex: hint.index,
      hintTerm: hint.term,
    });
  }

  private sendAppendResp(to: number, index: number): void {
    this.send({ type: "appendResp", to, term: this.term, index, reject: false, hintIndex: 0, hintTerm: 0 });
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.raftLog.commitTo(m.commit);
    this.send({ type: "heartbeatResp", to: m.from, term: this.term, ctx: m.ctx });
  }

  private handleSnapshot(m: InstallSnapshot): void {
    const s = m.snapshot;
    const log = this.raftLog;
    if (s.index <= log.committed) {
      this.sendAppendResp(m.from, log.committed);
      return;
    }
    if (log.matchTerm(s.index, s.term)) {
      // We already hold the snapshot's last entry, hence its whole prefix: just learn it is committed.
      log.commitTo(s.index);
      this.sendAppendResp(m.from, log.committed);
      return;
    }
    log.restore(s);
    this.conf.reset(s.index, s.membership);
    this.sendAppendResp(m.from, log.lastIndex());
  }

  /** Appends (possibly replacing a suffix) and tracks the configurations those entries carry. */
  private appendToLog(ents: Entry[]): void {
    if (ents.length === 0) return;
    this.raftLog.append(ents);
    this.conf.truncateFrom(ents[0].index);
    let changed = false;
    for (const e of ents) {
      if (e.type === "conf") {
        this.conf.record(e.index, e.membership);
        changed = true;
      }
    }
    if (changed && this.role === "leader") this.syncProgressWithMembership();
  }

  // ---------------------------------------------------------------- leader

  private refuseProposal(): Rejection | undefined {
    if (this.role !== "leader") return this.reject("not-leader");
    if (this.leadTransferee !== NONE) return this.reject("transferring");
    return undefined;
  }

  /**
   * The leader's own copy counts toward commitment only once advance() reports it persisted, so a server
   * may send these appends before its fsync (canSendBeforePersist) without risking committed entries.
   */
  private appendAsLeader(ents: Entry[]): void {
    this.appendToLog(ents);
    if (this.role === "leader") this.bcastAppend();
  }

  /** After a persist: the leader's own progress catches up, which may commit (a single voter commits here). */
  private selfPersisted(): void {
    const self = this.role === "leader" ? this.progress.get(this.id) : undefined;
    if (self && self.maybeUpdate(this.raftLog.persistedIndex()) && this.maybeCommit() && this.role === "leader" && this.cfg.broadcastCommit) this.bcastAppend();
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE; // transfer took too long: abandon
    }
    for (const [id, pr] of this.progress) {
      if (pr.state === "snapshot" && ++pr.snapshotElapsed >= this.cfg.electionTick) {
        // Presumed lost: probe again from the match point (which resends the snapshot if still needed).
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
        this.sendAppend(id);
      }
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastCtx());
    }
  }

  /** Check-quorum: heard from a quorum of voters since the last round? Starts a new round. */
  private quorumActive(): boolean {
    const active = hasQuorum(this.conf.current().voters, (id) => id === this.id || this.progress.get(id)?.recentActive === true);
    for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
    return active;
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case "appendResp":
        this.handleAppendResp(m);
        return;
      case "heartbeatResp":
        this.handleHeartbeatResp(m);
        return;
      case "readIndex":
        this.handleReadRequest(m.ctx, m.from);
        return;
      default:
        // Vote replies from our own election, or an equal-term message from a follower: nothing to do.
        return;
    }
  }

  private handleAppendResp(m: AppendResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    if (m.reject) {
      let hint = m.hintIndex;
      // Skip every entry of ours whose term cannot match the follower's entry at hintIndex.
      if (m.hintTerm > 0) hint = this.raftLog.findConflictByTerm(m.hintIndex, m.hintTerm).index;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === "replicate") pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    if (m.index > this.raftLog.lastIndex()) return; // cannot be a reply to this leader
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === "probe") {
      pr.becomeReplicate();
    } else if (pr.state === "snapshot" && pr.match + 1 >= this.raftLog.firstIndex()) {
      pr.becomeReplicate();
    } else if (pr.state === "replicate") {
      pr.inflights.freeTo(m.index);
    }
    const committed = this.maybeCommit();
    if (committed && this.role !== "leader") return;
    if (committed && this.cfg.broadcastCommit) this.bcastAppend();
    else if (wasPaused) this.sendAppend(m.from);
    // Fill the pipeline with whatever else the follower lacks.
    while (this.maybeSendAppend(m.from, false)) {
      /* keep sending */
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResp(m: HeartbeatResponse): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.probeSent = false;
    // The peer is alive, so an append of ours was probably lost: free a slot to resend.
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirst();
    if (pr.match < this.raftLog.lastIndex()) this.sendAppend(m.from);
    if (m.ctx === "" || this.cfg.readMode !== "safe") return;
    const acks = this.readOnly.ack(m.from, m.ctx);
    if (!acks || !hasQuorum(this.conf.current().voters, (id) => acks.has(id))) return;
    for (const r of this.readOnly.releaseThrough(m.ctx)) this.answerRead(r.ctx, r.from, r.index);
  }

  private handleReadRequest(ctx: string, from: number): void {
    if (this.raftLog.term(this.raftLog.committed) !== this.term) {
      // Our commit index may lag the true one until an entry of this term commits (§6.4 step 1).
      this.pendingReads.push({ ctx, from });
      return;
    }
    const index = this.raftLog.committed;
    if (this.cfg.readMode === "lease" || hasQuorum(this.conf.current().voters, (id) => id === this.id)) {
      this.answerRead(ctx, from, index);
      return;
    }
    if (this.readOnly.add(index, ctx, from, this.id)) this.bcastHeartbeat(ctx);
  }

  private answerRead(ctx: string, from: number, index: number): void {
    if (from === this.id) this.readStates.push({ index, ctx });
    else this.send({ type: "readIndexResp", to: from, term: this.term, index, ctx });
  }

  /** Commits the highest current-term index a quorum holds; returns whether commit advanced. */
  private maybeCommit(): boolean {
    const voters = this.conf.current().voters;
    const idx = quorumMatch(voters, (id) => this.progress.get(id)?.match ?? 0);
    // §5.4.2: only entries of the current term are committed by counting replicas.
    if (idx <= this.raftLog.committed || this.raftLog.term(idx) !== this.term) return false;
    const firstOfTerm = this.raftLog.term(this.raftLog.committed) !== this.term;
    this.raftLog.commitTo(idx);
    if (firstOfTerm && this.pendingReads.length > 0) {
      const reads = this.pendingReads;
      this.pendingReads = [];
      for (const r of reads) this.handleReadRequest(r.ctx, r.from);
    }
    if (!this.promotable() && this.raftLog.committed >= this.conf.currentIndex()) {
      // Our own removal is committed: let followers learn the commit, then stop leading (§4.2.2).
      this.bcastAppend();
      this.becomeFollower(this.term, NONE);
    }
    return true;
  }

  /** Leader: keep one Progress per member (plus ourselves) after the membership changed. */
  private syncProgressWithMembership(): void {
    const m = this.conf.current();
    const last = this.raftLog.lastIndex();
    for (const id of [...m.voters, ...m.learners]) {
      if (!this.progress.has(id)) this.progress.set(id, new Progress(last + 1, this.cfg.maxInflightMsgs));
    }
    for (const id of [...this.progress.keys()]) {
      if (id !== this.id && !isMember(m, id)) this.progress.delete(id);
    }
    if (this.leadTransferee !== NONE && !m.voters.includes(this.leadTransferee)) this.leadTransferee = NONE;
  }

  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(ctx: string): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      const commit = Math.min(pr.match, this.raftLog.committed);
      this.send({ type: "heartbeat", to: id, term: this.term, commit, ctx });
    }
  }

  private sendAppend(to: number): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends the next batch to `to` (or a snapshot if the entries it needs are compacted). With
   * sendIfEmpty false, sends nothing when there are no new entries. Returns whether it sent.
   */
  private maybeSendAppend(to: number, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const log = this.raftLog;
    const prevIndex = pr.next - 1;
    const prevTerm = log.term(prevIndex);
    const entries = prevTerm === undefined ? undefined : log.batch(pr.next, this.cfg.maxEntriesPerMsg, this.cfg.maxBytesPerMsg);
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(to, pr);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: "append", to, term: this.term, index: prevIndex, logTerm: prevTerm, entries, commit: log.committed });
    if (pr.state === "replicate" && entries.length > 0) {
      const last = entries[entries.length - 1].index;
      pr.next = last + 1; // optimistic: pipeline the next batch without waiting
      pr.inflights.add(last);
    } else if (pr.state === "probe") {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(to: number, pr: Progress): boolean {
    if (!pr.recentActive) return false; // do not ship a snapshot to a node that is not answering
    const snapshot = this.raftLog.snapshot();
    this.send({ type: "snapshot", to, term: this.term, snapshot });
    pr.becomeSnapshot(snapshot.index);
    return true;
  }

  private sendTimeoutNow(to: number): void {
    this.send({ type: "timeoutNow", to, term: this.term });
  }

  // ---------------------------------------------------------------- helpers

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  private reject(reason: Rejection["reason"]): Rejection {
    return { ok: false, reason, leader: this.lead };
  }

  private send(m: DistributiveOmit<Message, "from">): void {
    this.msgs.push({ ...m, from: this.id } as Message);
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
