/**
 * Seeded deterministic cluster simulation: Raft nodes on a faulty network with partitions, crashes
 * (restarts keep only what was persisted), snapshots, membership changes, leadership transfers and
 * ReadIndex reads. Safety is checked after every node step; at the end the faults stop and every
 * acknowledged write must reach every member (liveness after heal).
 */
import { rng } from "../../../util/random";
import { RaftNode } from "../node";
import { canSendBeforePersist, onlyCommitChanged } from "../ready";
import { MemoryStorage } from "../storage";
import type { ConfChange, Entry, HardState, Membership, Ready, ReadState } from "../types";
import { entryKey, InvariantChecker, SimViolation } from "./checker";
import { NO_FAULTS, SimNetwork } from "./network";

export interface SimOptions {
  seed: number;
  /** Initial voters (3 or 5 in the tests). */
  nodes: number;
  /** Steps with faults; each step delivers due messages, ticks every node and processes readies. */
  steps: number;
}

export interface SimReport {
  seed: number;
  commitIndex: number;
  /** Writes whose proposer saw them applied at the index and term it proposed. */
  acked: number;
  leaderTerms: number;
  crashes: number;
  snapshots: number;
  snapshotsInstalled: number;
  confChanges: number;
  reads: number;
  settleSteps: number;
}

/** A broken invariant, with what is needed to replay it. */
export class SimFailure extends Error {
  override name = "SimFailure";
  constructor(
    readonly seed: number,
    readonly step: number,
    readonly invariant: string,
    detail: string,
  ) {
    super(`seed ${seed}, step ${step}: ${invariant}: ${detail}`);
  }
}

interface Server {
  id: number;
  storage: MemoryStorage;
  raft: RaftNode | undefined;
  removed: boolean;
  applied: number;
  /** Rolling hash of the applied entries: the state machine. */
  hash: number;
  lastCommit: number;
  proposals: Map<number, { term: number; data: string }>;
  /** Pending reads: ctx -> highest acknowledged write index when the read was issued. */
  reads: Map<string, number>;
  /** A commit-only hard state not yet written (lazy seeds, as LevelRaftStorage): lost in a crash. */
  unsavedHard?: HardState;
}

const SETTLE_STEPS = 3000;

function mix(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function snapshotHash(data: string): number {
  return data === "" ? 0 : (JSON.parse(data) as { hash: number }).hash;
}

export function runSimulation(opts: SimOptions): SimReport {
  return new Simulation(opts).run();
}

class Simulation {
  private readonly rand: () => number;
  private readonly net: SimNetwork;
  private readonly checker = new InvariantChecker();
  private readonly servers = new Map<number, Server>();
  private now = 0;
  private nextId: number;
  private seq = 0;
  private maxAcked = 0;
  private readonly knobs: {
    preVote: boolean;
    checkQuorum: boolean;
    heartbeatTick: number;
    broadcastCommit: boolean;
    maxInflightMsgs: number;
    maxEntriesPerMsg: number;
    snapEvery: number;
    minVoters: number;
    maxVoters: number;
    /** Per-step chance of each chaos event; some seeds are much rougher than others. */
    crashRate: number;
    partitionRate: number;
    confRate: number;
  };
  private readonly report: SimReport;
  private leaderTerms = new Set<number>();

  constructor(private readonly opts: SimOptions) {
    this.rand = rng(opts.seed);
    const r = this.rand;
    const preVote = r() < 0.8;
    this.knobs = {
      preVote,
      // Without both protections a removed node that missed its removal can disrupt forever.
      checkQuorum: !preVote || r() < 0.7,
      heartbeatTick: r() < 0.7 ? 1 : 2,
      // By seed parity, not the stream: the other knobs of a seed stay what they were. Odd seeds run as
      // the server does: commits ride on later messages and a commit-only hard state waits for the next write.
      broadcastCommit: opts.seed % 2 === 0,
      maxInflightMsgs: 1 + Math.floor(r() * 6),
      maxEntriesPerMsg: 1 + Math.floor(r() * 8),
      snapEvery: 5 + Math.floor(r() * 40),
      minVoters: Math.min(3, opts.nodes),
      maxVoters: opts.nodes + 2,
      crashRate: r() < 0.3 ? 0.02 : 0.004,
      partitionRate: r() < 0.3 ? 0.04 : 0.01,
      confRate: r() < 0.3 ? 0.04 : 0.004,
    };
    this.net = new SimNetwork(rng(opts.seed ^ 0x5bd1e995), {
      dropRate: r() * 0.1,
      dupRate: r() * 0.05,
      slowRate: 0.05 + r() * 0.1,
      maxDelay: 8,
    });
    const ids = Array.from({ length: opts.nodes }, (_, k) => k + 1);
    this.nextId = opts.nodes + 1;
    for (const id of ids) this.addServer(id, { voters: ids, learners: [] });
    this.report = {
      seed: opts.seed,
      commitIndex: 0,
      acked: 0,
      leaderTerms: 0,
      crashes: 0,
      snapshots: 0,
      snapshotsInstalled: 0,
      confChanges: 0,
      reads: 0,
      settleSteps: 0,
    };
  }

  run(): SimReport {
    try {
      for (; this.now < this.opts.steps; this.now++) {
        this.chaos();
        this.step(true);
      }
      this.settle();
    } catch (e) {
      if (e instanceof SimViolation) throw new SimFailure(this.opts.seed, this.now, e.invariant, e.message);
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      throw new SimFailure(this.opts.seed, this.now, "internal error", msg);
    }
    this.report.commitIndex = this.checker.committedIndex;
    this.report.leaderTerms = this.leaderTerms.size;
    return this.report;
  }

  // ------------------------------------------------------------ the loop

  private step(faulty: boolean): void {
    for (const m of this.net.due(this.now)) {
      const s = this.servers.get(m.to);
      if (!s?.raft) continue;
      s.raft.step(m);
      this.check(s);
    }
    for (const s of this.live()) {
      if (this.rand() < 0.97) {
        s.raft?.tick(); // uneven tick rates model clock drift
        this.check(s);
      }
    }
    for (const s of this.shuffle(this.live())) {
      if (!s.raft?.hasReady() || this.rand() < 0.1) continue; // a slow disk: some readies wait a step
      const crash = faulty ? this.rand() : 1;
      this.handleReady(s, crash < 0.002 ? "beforePersist" : crash < 0.004 ? "afterPersist" : "none");
    }
  }

  private chaos(): void {
    const r = this.rand;
    if (r() < this.knobs.partitionRate) this.partition();
    if (r() < 0.015) this.net.heal();
    if (r() < this.knobs.crashRate) {
      const s = this.pick(this.live());
      if (s) this.crash(s);
    }
    if (r() < 0.03 + this.knobs.crashRate) {
      const s = this.pick([...this.servers.values()].filter((x) => !x.raft && !x.removed));
      if (s) this.restart(s);
    }
    if (r() < 0.3) this.propose();
    if (r() < this.knobs.confRate) this.changeMembership();
    if (r() < 0.003) this.transfer();
    if (r() < 0.05) this.read();
  }

  /** No more faults: every crashed node restarts, and the cluster must converge. */
  private settle(): void {
    this.net.faults = NO_FAULTS;
    this.net.heal();
    for (const s of this.servers.values()) if (!s.raft && !s.removed) this.restart(s);
    for (let k = 0; k < SETTLE_STEPS; k++, this.now++) {
      this.step(false);
      if (this.converged()) {
        this.report.settleSteps = k;
        return;
      }
    }
    const leader = this.leader();
    const detail = leader
      ? `leader ${leader.id} commit ${leader.raft?.log.committed}, members ` +
        [...this.servers.values()].map((s) => `${s.id}:${s.raft ? s.applied : "down"}`).join(" ")
      : "no leader";
    throw new SimViolation("liveness after heal", `not converged ${SETTLE_STEPS} steps after healing (${detail})`);
  }

  private converged(): boolean {
    const leader = this.leader();
    if (!leader?.raft) return false;
    const st = leader.raft.status();
    const log = leader.raft.log;
    if (log.committed !== st.lastIndex || log.term(log.committed) !== st.term || log.committed < this.maxAcked) return false;
    for (const id of [...st.membership.voters, ...st.membership.learners]) {
      const s = this.servers.get(id);
      if (!s?.raft) return false;
      if (s.applied !== log.committed || s.raft.log.committed !== log.committed) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ node plumbing

  private addServer(id: number, membership: Membership): Server {
    const s: Server = {
      id,
      storage: new MemoryStorage(membership),
      raft: undefined,
      removed: false,
      applied: 0,
      hash: 0,
      lastCommit: 0,
      proposals: new Map(),
      reads: new Map(),
    };
    this.servers.set(id, s);
    this.restart(s);
    return s;
  }

  private restart(s: Server): void {
    s.raft = new RaftNode({
      id: s.id,
      storage: s.storage,
      rng: rng(this.opts.seed * 1000003 + s.id * 7919 + this.now),
      electionTick: 10,
      heartbeatTick: this.knobs.heartbeatTick,
      broadcastCommit: this.knobs.broadcastCommit,
      preVote: this.knobs.preVote,
      checkQuorum: this.knobs.checkQuorum,
      maxInflightMsgs: this.knobs.maxInflightMsgs,
      maxEntriesPerMsg: this.knobs.maxEntriesPerMsg,
      maxBytesPerMsg: 4096,
    });
    const snap = s.storage.snapshot();
    s.applied = snap.index;
    s.hash = snapshotHash(snap.data);
    s.lastCommit = 0;
    this.checker.onSnapshotInstalled(s.id, snap.index, s.hash);
    this.check(s);
  }

  /** As LevelRaftStorage on lazy seeds: a hard state whose commit alone changed is written with the next write. */
  private persistHardState(s: Server, rd: Ready): void {
    const h = rd.hardState;
    if (h && !this.knobs.broadcastCommit && onlyCommitChanged(rd, s.storage.initialState(), rd.mustSync)) {
      s.unsavedHard = h;
    } else if (h) {
      s.storage.setHardState(h);
      s.unsavedHard = undefined;
    } else if (rd.entries.length > 0 || rd.snapshot) {
      this.flushHardState(s);
    }
  }

  private flushHardState(s: Server): void {
    if (s.unsavedHard) s.storage.setHardState(s.unsavedHard);
    s.unsavedHard = undefined;
  }

  private crash(s: Server): void {
    s.raft = undefined;
    s.unsavedHard = undefined;
    s.proposals.clear(); // their outcome is unknown to the client: never acknowledged
    s.reads.clear();
    this.report.crashes++;
  }

  /**
   * Leader traffic out first (allowed before the fsync), persist, the rest of the messages, apply,
   * advance: the Ready contract, with crashes injected on either side of the persist.
   */
  private handleReady(s: Server, crash: "none" | "beforePersist" | "afterPersist"): void {
    const raft = s.raft;
    if (!raft) return;
    const rd = raft.ready();
    for (const m of rd.messages) if (canSendBeforePersist(m)) this.net.send(m, this.now);
    if (crash === "beforePersist") {
      this.crash(s);
      return;
    }
    this.checker.onAppend(s.id, rd.entries, raft.log);
    if (rd.snapshot) s.storage.applySnapshot(rd.snapshot);
    s.storage.append(rd.entries);
    this.persistHardState(s, rd);
    if (crash === "afterPersist") {
      this.crash(s);
      return;
    }
    for (const m of rd.messages) if (!canSendBeforePersist(m)) this.net.send(m, this.now);
    if (rd.snapshot) {
      s.applied = rd.snapshot.index;
      s.hash = snapshotHash(rd.snapshot.data);
      this.checker.onSnapshotInstalled(s.id, s.applied, s.hash);
      for (const i of s.proposals.keys()) if (i <= s.applied) s.proposals.delete(i);
      this.report.snapshotsInstalled++;
    }
    let removed = false;
    for (const e of rd.committedEntries) removed = this.apply(s, e) || removed;
    for (const r of rd.readStates) this.onReadState(s, r);
    raft.advance(rd);
    if (removed) {
      // An operator shuts a server down once it has applied its own removal.
      s.raft = undefined;
      s.removed = true;
      return;
    }
    if (s.applied - s.storage.snapshot().index >= this.knobs.snapEvery) {
      const snap = raft.createSnapshot(s.applied, JSON.stringify({ hash: s.hash }));
      s.storage.compact(snap);
      this.flushHardState(s);
      this.report.snapshots++;
    }
  }

  /** Applies one committed entry; returns whether it removes this server. */
  private apply(s: Server, e: Entry): boolean {
    if (e.index !== s.applied + 1) {
      throw new SimViolation("apply order", `node ${s.id} applied ${e.index} after ${s.applied}`);
    }
    const key = entryKey(e);
    s.applied = e.index;
    s.hash = mix(s.hash, key);
    this.checker.onApply(s.id, e.index, key, s.hash);
    const p = s.proposals.get(e.index);
    if (p) {
      s.proposals.delete(e.index);
      if (p.term === e.term && e.type === "normal" && e.data === p.data) {
        this.maxAcked = Math.max(this.maxAcked, e.index);
        this.report.acked++;
      }
    }
    if (e.type !== "conf") return false;
    this.report.confChanges++;
    return e.change.type === "remove" && e.change.nodeId === s.id;
  }

  private onReadState(s: Server, r: ReadState): void {
    const floor = s.reads.get(r.ctx);
    if (floor === undefined) return;
    s.reads.delete(r.ctx);
    if (r.index < floor) {
      throw new SimViolation("linearizable read", `node ${s.id} read at ${r.index} misses write acknowledged at ${floor}`);
    }
    if (r.index > this.checker.committedIndex) {
      throw new SimViolation("linearizable read", `node ${s.id} read index ${r.index} is not committed`);
    }
    this.report.reads++;
  }

  /** Safety checks after anything changed a node. */
  private check(s: Server): void {
    const raft = s.raft;
    if (!raft) return;
    const st = raft.softState();
    if (st.role === "leader") {
      this.checker.onLeader(s.id, st.term, raft.log);
      this.leaderTerms.add(st.term);
    }
    const log = raft.log;
    if (log.committed > s.lastCommit) {
      const lo = Math.max(s.lastCommit + 1, log.firstIndex());
      this.checker.onCommit(s.id, st.term, log.slice(lo, log.committed + 1) ?? []);
      s.lastCommit = log.committed;
    }
    if (this.now % 50 === 0 && st.role === "leader") {
      for (const o of this.live()) if (o !== s && o.raft) this.checker.compareLogs(s.id, log, o.id, o.raft.log);
    }
  }

  // ------------------------------------------------------------ client and operator actions

  private propose(): void {
    const leader = this.pick(this.live().filter((s) => s.raft?.softState().role === "leader"));
    if (!leader?.raft) return;
    const data = `w${this.seq++}`;
    const res = leader.raft.propose(data);
    if (res.ok) leader.proposals.set(res.index, { term: res.term, data });
  }

  private read(): void {
    const s = this.pick(this.live());
    if (!s?.raft) return;
    const ctx = `r${this.seq++}`;
    if (s.raft.readIndex(ctx).ok) s.reads.set(ctx, this.maxAcked);
  }

  private transfer(): void {
    const leader = this.leader();
    if (!leader?.raft) return;
    const to = this.pick(leader.raft.status().membership.voters.filter((id) => id !== leader.id));
    if (to !== undefined) leader.raft.transferLeadership(to);
  }

  private changeMembership(): void {
    const leader = this.leader();
    if (!leader?.raft) return;
    const m = leader.raft.status().membership;
    const r = this.rand();
    let cc: ConfChange;
    let fresh: number | undefined;
    if (m.learners.length > 0 && r < 0.5) {
      cc = { type: "addVoter", nodeId: m.learners[0] };
    } else if (m.voters.length < this.knobs.maxVoters && r < 0.75) {
      fresh = this.nextId++;
      cc = { type: this.rand() < 0.5 ? "addLearner" : "addVoter", nodeId: fresh };
    } else if (m.voters.length > this.knobs.minVoters) {
      cc = { type: "remove", nodeId: this.pick(m.voters) ?? 0 }; // may be the leader itself
    } else if (m.learners.length > 0) {
      cc = { type: "remove", nodeId: m.learners[0] };
    } else {
      return;
    }
    // A new server starts empty and learns everything, membership included, from the leader.
    if (fresh !== undefined) this.addServer(fresh, { voters: [], learners: [] });
    const res = leader.raft.proposeConfChange(cc);
    if (!res.ok && fresh !== undefined) this.servers.delete(fresh);
  }

  private partition(): void {
    const ids = this.live().map((s) => s.id);
    if (this.rand() < 0.5) {
      const lone = this.pick(ids);
      if (lone !== undefined) this.net.partition([[lone], ids.filter((id) => id !== lone)]);
    } else {
      const a: number[] = [];
      const b: number[] = [];
      for (const id of ids) (this.rand() < 0.5 ? a : b).push(id);
      this.net.partition([a, b]);
    }
  }

  // ------------------------------------------------------------ helpers

  private live(): Server[] {
    return [...this.servers.values()].filter((s) => s.raft !== undefined);
  }

  /** The live leader with the highest term. */
  private leader(): Server | undefined {
    let best: Server | undefined;
    let bestTerm = -1;
    for (const s of this.live()) {
      const st = s.raft?.softState();
      if (st?.role === "leader" && st.term > bestTerm) {
        best = s;
        bestTerm = st.term;
      }
    }
    return best;
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[Math.floor(this.rand() * xs.length)];
  }

  private shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
}
