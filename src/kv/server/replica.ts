/**
 * One replica of the distributed LevelDB: the Raft core driven by a clock, its durable log, the LevelDB
 * state machine and the peer transport. It follows the core's contract (persist and fsync, then send,
 * then apply) in one serialized loop, and offers writes that resolve when applied, linearizable reads
 * through ReadIndex, membership changes and snapshots. No network code here: see client-api.ts, transport.ts
 * and peer-server.ts.
 */
import { existsSync, promises as fs } from "node:fs";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import { UserError } from "../../errors";
import { rng } from "../../util/random";
import { canSendBeforePersist, RaftNode, type ConfChange, type Entry, type InstallSnapshot, type Membership, type Message, type Ready, type Rejection } from "../raft";
import type { Command, RangeQuery, RangeResult, WriteResult } from "../commands";
import { LevelRaftStorage } from "../store/raft-log";
import { KvStateMachine, type SnapshotInfo } from "../store/state-machine";
import { AddressBook, parseAddress, type AddressMap, type MemberAddress } from "./addresses";
import { HttpError } from "./http";
import { checkIdentity, dataPaths, pruneSnapshots } from "./data-dir";
import { PeerTransport } from "./transport";
import { downloadSnapshot } from "./snapshot-transfer";
import { readSnapshotDescriptor, snapshotFileName, type SnapshotDescriptor } from "./snapshot-descriptor";

export interface ReplicaOptions {
  id: number;
  dataDir: string;
  /** Voters of a new cluster; empty for a node that joins an existing one. Ignored after the first start. */
  bootstrap: Membership;
  addresses: AddressMap;
  token?: string;
  /** Milliseconds per Raft tick (default 50: heartbeats every 50 ms, elections after 0.5-1 s as etcd with --election-timeout 500). */
  tickMs?: number;
  electionTick?: number;
  /** Take a snapshot and compact the log after this many applied entries (default 10,000), times a random factor in [1, 1.5) per node. */
  snapshotEvery?: number;
  readMode?: "safe" | "lease";
  /** How long a write or read may wait before failing as retryable (default 5 s). */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
  /**
   * Fault injection for the nemesis tests: with this probability, a ready() that must be fsynced kills the
   * process (SIGKILL) after the core appended it in memory and before it reached the disk.
   */
  crashBeforeFsync?: number;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

/** A request refused by the core: a 307/503 the client can act on (redirect, or retry later). */
export function refusal(r: Rejection, book: AddressBook): HttpError {
  const leaderUrl = r.leader ? book.get(r.leader)?.clientUrl : undefined;
  if (r.reason === "not-leader" && leaderUrl) {
    return new HttpError(307, `node is not the leader; the leader is node ${r.leader}`, { leader: r.leader, leaderUrl, retryable: true });
  }
  const invalid = r.reason === "invalid-conf-change" || r.reason === "not-a-voter" || r.reason === "already-leader";
  const status = invalid ? 400 : 503;
  return new HttpError(status, `refused: ${r.reason}${r.detail ? ` (${r.detail})` : ""}`, { leader: r.leader, retryable: !invalid });
}

export class KvReplica {
  readonly book: AddressBook;
  private readonly transport: PeerTransport;
  private timer?: NodeJS.Timeout;
  private pumping = false;
  /** stop() was called: no new round of the ready loop and no new snapshot. */
  private stopping = false;
  private pumpAgain = false;
  private fatal?: Error;
  private readonly writes = new Map<number, Waiter<WriteResult> & { term: number }>();
  private readonly reads = new Map<string, Waiter<number>>();
  private readonly applyWaiters: Array<{ index: number; resolve(): void }> = [];
  private readSeq = 0;
  private readonly timeoutMs: number;
  private readonly snapshotEvery: number;
  /** Applied entries after the last snapshot that trigger the next: random in [1, 1.5) x snapshotEvery, so nodes take theirs at different times. */
  private nextSnapshotAfter: number;
  private readonly snapDir: string;
  /** Snapshot files being downloaded, with the newest message to step once each is here. */
  private readonly fetching = new Map<string, InstallSnapshot>();
  private readonly downloads = new AbortController();
  /** The snapshot being written or installed in the background, and one written but not yet installed. */
  private snapshotting?: Promise<void>;
  private snapshotWritten?: { file: string; info: SnapshotInfo };

  private constructor(
    readonly opts: ReplicaOptions,
    readonly node: RaftNode,
    private readonly storage: LevelRaftStorage,
    readonly sm: KvStateMachine,
    book: AddressBook,
  ) {
    this.book = book;
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.snapshotEvery = opts.snapshotEvery ?? 10_000;
    this.nextSnapshotAfter = this.pickNextSnapshot();
    this.snapDir = dataPaths(opts.dataDir).snapshots;
    this.transport = new PeerTransport(
      opts.id,
      book,
      {
        unreachable: (to) => this.node.reportUnreachable(to),
        snapshotDone: (to, ok) => this.reportSnapshot(to, ok),
        log: opts.log,
      },
      opts.token,
    );
  }

  /** Opens (or creates) the data directory and recovers log and state; call start() to join the cluster. */
  static async open(opts: ReplicaOptions): Promise<KvReplica> {
    const paths = dataPaths(opts.dataDir);
    await fs.mkdir(paths.snapshots, { recursive: true });
    await checkIdentity(opts.dataDir, opts.id);
    const storage = await LevelRaftStorage.open(paths.raft, opts.bootstrap);
    const sm = await KvStateMachine.open(paths.state);
    const book = new AddressBook(opts.addresses);
    const snap = storage.snapshot();
    const desc = readSnapshotDescriptor(snap.data);
    if (desc) book.merge(desc.members);
    // A crash between installing a snapshot in the log and loading it into LevelDB leaves the state behind.
    if (desc && sm.appliedIndex < snap.index) {
      await sm.restoreSnapshot(join(paths.snapshots, desc.file), { sha256: desc.sha256 });
    }
    if (storage.lastIndex() >= storage.firstIndex()) recordAddresses(book, storage.entries(storage.firstIndex(), storage.lastIndex() + 1));
    const node = new RaftNode({
      id: opts.id,
      storage,
      rng: rng(randomInt(2 ** 31)),
      electionTick: opts.electionTick ?? 10,
      // The state machine may be ahead of the stored commit index (it is written while applying): entries
      // up to its index are skipped in apply(), so the core need only know what the log proves committed.
      applied: Math.max(snap.index, Math.min(sm.appliedIndex, storage.initialState().commit)),
      readMode: opts.readMode ?? "safe",
      // Followers learn a new commit index with the next append or heartbeat: half the messages per write.
      broadcastCommit: false,
    });
    return new KvReplica(opts, node, storage, sm, book);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.node.tick();
      this.pump();
    }, this.opts.tickMs ?? 50);
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.transport.close();
    this.downloads.abort();
    while (this.pumping || this.snapshotting) await new Promise((r) => setTimeout(r, 5));
    const closed = new HttpError(503, "node is shutting down", { retryable: true });
    for (const w of [...this.writes.values(), ...this.reads.values()]) w.reject(closed);
    this.writes.clear();
    this.reads.clear();
    await this.storage.close();
    await this.sm.close();
  }

  /**
   * Delivers peer messages. An InstallSnapshot whose file is not here yet is stepped only once the file
   * has been fetched from its sender, in the background: the sender's other messages (heartbeats) go on.
   */
  receive(msgs: Message[]): void {
    for (const m of msgs) {
      if (m.type === "snapshot" && this.mustFetch(m)) this.fetchThenStep(m);
      else this.node.step(m);
    }
    this.pump();
  }

  /** Transport feedback: a snapshot message or file transfer to `to` failed (ok false) or completed. */
  reportSnapshot(to: number, ok: boolean): void {
    this.node.reportSnapshot(to, ok);
    this.pump();
  }

  /** Proposes a write and resolves with its result once applied here. Throws HttpError 307/503 when refused. */
  async write(cmd: Command): Promise<WriteResult> {
    this.checkHealthy();
    const r = this.node.propose(JSON.stringify(cmd));
    if (!r.ok) throw refusal(r, this.book);
    const result = this.wait(this.writes, r.index, (w) => Object.assign(w, { term: r.term }));
    this.pump();
    return result;
  }

  /** A range read: linearizable (ReadIndex, then wait until applied) unless `serializable`. */
  async read(query: RangeQuery, serializable = false): Promise<RangeResult> {
    this.checkHealthy();
    if (!serializable) {
      const ctx = `${this.opts.id}:${++this.readSeq}`;
      const r = this.node.readIndex(ctx);
      if (!r.ok) throw refusal(r, this.book);
      const waiting = this.wait(this.reads, ctx);
      this.pump();
      const index = await waiting;
      if (this.sm.appliedIndex < index) await new Promise<void>((resolve) => this.applyWaiters.push({ index, resolve }));
    }
    return this.sm.range(query);
  }

  /** Proposes a membership change; an added member's addresses ride along in the entry. */
  async changeMembership(change: ConfChange, address?: MemberAddress): Promise<{ index: number }> {
    this.checkHealthy();
    if (change.type !== "remove") {
      if (!address && !this.book.get(change.nodeId)) throw new UserError(`node ${change.nodeId}: peerUrl and clientUrl are required to add it`);
      if (address) change = { ...change, context: JSON.stringify(parseAddress("address", address)) };
    }
    const r = this.node.proposeConfChange(change);
    if (!r.ok) throw refusal(r, this.book);
    await this.wait(this.writes, r.index, (w) => Object.assign(w, { term: r.term }));
    return { index: r.index };
  }

  transferLeadership(to: number): void {
    const r = this.node.transferLeadership(to);
    if (!r.ok) throw refusal(r, this.book);
    this.pump();
  }

  status(): Record<string, unknown> {
    const s = this.node.status();
    return {
      ...s,
      applied: this.sm.appliedIndex,
      revision: this.sm.revision,
      leaderUrl: s.lead ? this.book.get(s.lead)?.clientUrl : undefined,
      members: this.book.toJSON(),
      pid: process.pid,
      healthy: !this.fatal,
      error: this.fatal?.message,
    };
  }

  private checkHealthy(): void {
    if (this.fatal) throw new HttpError(500, `node stopped serving after an error: ${this.fatal.message}`);
  }

  private wait<K, T>(map: Map<K, Waiter<T>>, key: K, decorate: (w: Waiter<T>) => Waiter<T> = (w) => w): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        map.delete(key);
        reject(new HttpError(503, `request timed out after ${this.timeoutMs} ms (no quorum or leader change); retry`, { retryable: true }));
      }, this.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        map.delete(key);
      };
      map.set(key, decorate({ resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) }));
    });
  }

  /** Runs the ready loop until the core is quiet; re-entrant calls just ask for another round. */
  private pump(): void {
    if (this.pumping || this.fatal || this.stopping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          while (!this.fatal && this.node.hasReady()) await this.handle(this.node.ready());
          this.maybeSnapshot();
        } while (this.pumpAgain);
      } catch (err) {
        this.die(err as Error);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async handle(rd: Ready): Promise<void> {
    if (rd.mustSync && this.opts.crashBeforeFsync && Math.random() < this.opts.crashBeforeFsync) {
      this.opts.log?.(`node ${this.opts.id}: failpoint crash-before-fsync`);
      process.kill(process.pid, "SIGKILL");
    }
    // A leader's appends go out while it writes its own copy (see canSendBeforePersist); the rest after.
    const early: Message[] = [];
    const late: Message[] = [];
    for (const m of rd.messages) (canSendBeforePersist(m) ? early : late).push(m);
    this.transport.send(early);
    const saved = this.storage.save({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState }, rd.mustSync);
    // Nothing but the commit index changed: no message depends on it, so apply while it is written.
    if (rd.mustSync || rd.snapshot) await saved;
    recordAddresses(this.book, rd.entries);
    this.transport.send(late);
    if (rd.snapshot) {
      const desc = readSnapshotDescriptor(rd.snapshot.data);
      if (desc) {
        await this.sm.restoreSnapshot(join(this.snapDir, desc.file), { sha256: desc.sha256 });
        this.book.merge(desc.members);
      }
    }
    for (const e of rd.committedEntries) await this.apply(e);
    for (const rs of rd.readStates) this.reads.get(rs.ctx)?.resolve(rs.index);
    await saved;
    this.node.advance(rd);
    this.releaseReaders();
  }

  private async apply(e: Entry): Promise<void> {
    if (e.index <= this.sm.appliedIndex) return; // replay after restart of what LevelDB already holds
    const cmd = e.type === "normal" && e.data !== "" ? (JSON.parse(e.data) as Command) : null;
    const waiter = this.writes.get(e.index);
    try {
      // The proposer's own waiter hears the result before the state machine's batch is written.
      const early = waiter && waiter.term === e.term ? (r: WriteResult) => waiter.resolve(r) : undefined;
      const result = await this.sm.apply(e.index, e.term, cmd, early);
      if (waiter) {
        if (waiter.term === e.term) waiter.resolve(result ?? { revision: this.sm.revision });
        else waiter.reject(new HttpError(503, "leadership changed before the write committed; retry", { retryable: true }));
      }
    } catch (err) {
      if (!(err instanceof UserError) || this.sm.appliedIndex !== e.index) throw err;
      waiter?.reject(err); // the state machine refused the command (e.g. a stale retry) but applied the entry
    }
  }

  private releaseReaders(): void {
    const applied = this.sm.appliedIndex;
    for (let i = this.applyWaiters.length - 1; i >= 0; i--) {
      if (this.applyWaiters[i].index <= applied) this.applyWaiters.splice(i, 1)[0].resolve();
    }
  }

  /** A failed fsync or apply leaves the replica in an unknown state: stop serving rather than guess. */
  private die(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    this.opts.log?.(`node ${this.opts.id}: fatal: ${err.stack ?? err}`);
    clearInterval(this.timer);
    this.transport.close();
  }

  /**
   * After nextSnapshotAfter applied entries: writes a snapshot file in the background (a point-in-time view
   * while applies go on; writing it inside the ready loop stalled every request for tens of ms), then, back
   * in the loop where the core has applied at least that far, records it in the core and compacts the log.
   */
  private maybeSnapshot(): void {
    if (this.stopping) return;
    const written = this.snapshotWritten;
    // The core records a snapshot only within what it has applied. After a restart the state machine can be
    // ahead of it (the stored commit index lags; see raft-log.ts): the snapshot waits until the core catches up.
    if (written && written.info.index <= this.node.status().applied) {
      this.snapshotWritten = undefined;
      this.installSnapshot(written.file, written.info);
    }
    if (this.snapshotting || this.snapshotWritten || this.sm.appliedIndex - this.storage.snapshot().index < this.nextSnapshotAfter) return;
    this.nextSnapshotAfter = this.pickNextSnapshot();
    const file = snapshotFileName(this.sm.appliedIndex);
    this.inBackground(async () => {
      const info = await this.sm.writeSnapshot(join(this.snapDir, file));
      await this.sm.checkpoint(); // the log may drop entries only once LevelDB holds them durably
      this.snapshotWritten = { file, info };
      this.pump();
    });
  }

  private installSnapshot(file: string, info: SnapshotInfo): void {
    // A snapshot from the leader may have overtaken ours meanwhile.
    if (info.index <= this.storage.snapshot().index) return;
    const desc: SnapshotDescriptor = { file, sha256: info.sha256, bytes: info.bytes, members: this.book.toJSON() };
    const snap = this.node.createSnapshot(info.index, JSON.stringify(desc));
    this.inBackground(async () => {
      await this.storage.compact(snap);
      this.opts.log?.(`node ${this.opts.id}: snapshot at index ${snap.index} (${info.bytes} bytes), log compacted`);
      await pruneSnapshots(this.snapDir, file);
    });
  }

  private pickNextSnapshot(): number {
    return Math.round(this.snapshotEvery * (1 + Math.random() / 2));
  }

  private inBackground(work: () => Promise<void>): void {
    const task: Promise<void> = work()
      .catch((err: Error) => this.die(err))
      .finally(() => {
        if (this.snapshotting === task) this.snapshotting = undefined;
      });
    this.snapshotting = task;
  }

  private mustFetch(m: InstallSnapshot): boolean {
    const desc = readSnapshotDescriptor(m.snapshot.data);
    return desc !== undefined && !existsSync(join(this.snapDir, desc.file));
  }

  /**
   * Downloads the file a snapshot message points at, then steps the message. A leader resends a snapshot it
   * presumes lost; a resend for a file already on its way only replaces the message to step.
   */
  private fetchThenStep(m: InstallSnapshot): void {
    const desc = readSnapshotDescriptor(m.snapshot.data)!;
    const waiting = this.fetching.has(desc.file);
    this.fetching.set(desc.file, m);
    if (waiting) return;
    const peerUrl = (this.book.get(m.from) ?? desc.members[m.from])?.peerUrl;
    this.opts.log?.(`node ${this.opts.id}: fetching snapshot ${desc.file} (${desc.bytes} bytes) from node ${m.from}`);
    const source = { self: this.opts.id, peer: m.from, peerUrl: peerUrl ?? "", token: this.opts.token };
    const download = peerUrl
      ? downloadSnapshot(source, desc.file, desc.sha256, join(this.snapDir, desc.file), this.downloads.signal)
      : Promise.reject(new Error(`no address for node ${m.from}`));
    download.then(
      () => {
        const latest = this.fetching.get(desc.file)!;
        this.fetching.delete(desc.file);
        if (!this.downloads.signal.aborted) this.receive([latest]);
      },
      (err: Error) => {
        this.fetching.delete(desc.file);
        // The leader notices (failed transfer or its snapshot timeout) and sends the snapshot again.
        if (!this.downloads.signal.aborted) this.opts.log?.(`node ${this.opts.id}: snapshot ${desc.file} from node ${m.from} failed: ${err.message}`);
      },
    );
  }
}

/** Conf entries carry an added member's addresses in their context. */
function recordAddresses(book: AddressBook, entries: Entry[]): void {
  for (const e of entries) {
    if (e.type === "conf" && e.change.context) book.set(e.change.nodeId, parseAddress("conf context", JSON.parse(e.change.context)));
  }
}
