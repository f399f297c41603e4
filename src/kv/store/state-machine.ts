/**
 * The replicated key-value state machine: applies committed Raft entries to a LevelDB (classic-level),
 * serves range reads and watch history, and writes/restores streamed snapshots. Layout: see records.ts.
 *
 * Every apply is ONE unsynced LevelDB batch (data, history, session, meta): the Raft log is durable and is
 * replayed from appliedIndex + 1 after a crash; checkpoint() makes everything durable before the log is
 * compacted. Applies are deterministic (no clock, no randomness) and serialized internally.
 *
 * Retries: a command with (client, seq) whose seq equals the client's last applied seq returns the stored
 * result without applying; a lower seq is refused with StaleRequestError. Both consume the entry (the
 * applied index advances), as does an invalid command (UserError): every replica refuses it identically.
 */
import { ClassicLevel } from "classic-level";
import { UserError } from "../../errors";
import type { Command, RangeQuery, RangeResult, WatchEvent, WriteResult } from "../commands";
import { validateCommand } from "../validate";
import { CorruptStorageError, openLevel } from "./errors";
import * as R from "./records";
import { DEFAULT_MAX_SESSIONS, SessionTable, type SessionChange } from "./sessions";
import { fillFromSnapshot, readSnapshotLines, stateLines, writeNdjsonAtomic } from "./snapshot-file";
import { WriteTx, type BatchOp } from "./write-tx";

export const DEFAULT_HISTORY_REVISIONS = 10_000;
const RESTORE_BATCH = 1000;

export interface KvStateMachineOptions {
  /** Watch history keeps the last this-many revisions. */
  historyRevisions?: number;
  /** Session table bound (least recently used clients are evicted). */
  maxSessions?: number;
}

/** A retry with a seq below the client's last applied seq: the entry is consumed, nothing is applied. */
export class StaleRequestError extends UserError {
  override name = "StaleRequestError";
}

export interface SnapshotInfo {
  index: number;
  term: number;
  revision: number;
  bytes: number;
  sha256: string;
}

type Db = R.Db;

export class KvStateMachine {
  private readonly listeners = new Set<(events: WatchEvent[]) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The latest queued restore and how many are queued or running: reads wait for them. */
  private restoring: Promise<unknown> | undefined;
  private restoresPending = 0;
  /** The batch of an apply whose result went out early (see apply): reads wait for it, to read acknowledged writes. */
  private unwritten: Promise<unknown> | undefined;
  /** Set when the database may be half-written (a failed restore): every later call refuses. */
  private failed: Error | undefined;
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly db: Db,
    private meta: R.Meta,
    private sessions: SessionTable,
    private readonly historyRevisions: number,
  ) {}

  static async open(dir: string, opts: KvStateMachineOptions = {}): Promise<KvStateMachine> {
    const historyRevisions = opts.historyRevisions ?? DEFAULT_HISTORY_REVISIONS;
    const maxSessions = opts.maxSessions ?? DEFAULT_MAX_SESSIONS;
    for (const [name, v] of [["historyRevisions", historyRevisions], ["maxSessions", maxSessions]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new UserError(`${name} must be an integer >= 1, not ${v}`);
    }
    const db: Db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
    await openLevel(db, "state database", dir);
    try {
      const [meta, records] = await R.loadState(dir, db);
      const sessions = SessionTable.load(maxSessions, records);
      return new KvStateMachine(dir, db, meta, sessions, historyRevisions);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  get appliedIndex(): number {
    return this.meta.appliedIndex;
  }
  get appliedTerm(): number {
    return this.meta.appliedTerm;
  }
  get revision(): number {
    return this.meta.revision;
  }
  /** The oldest revision history() can start from. */
  get oldestRetainedRevision(): number {
    return this.meta.compactedThrough + 1;
  }
  /** Client sessions, least recently used first (for inspection and tests). */
  sessionList(): Array<{ client: string; seq: number; result: WriteResult; lastIndex: number }> {
    return this.sessions.entries().map(([client, s]) => ({ client, ...s, result: { ...s.result } }));
  }

  /**
   * Applies committed entry `index` (must be appliedIndex + 1); null is a no-op or membership entry.
   * `known` gets a command's result as soon as it is computed, before its batch reaches LevelDB: the
   * entry is already durable in the Raft log (a crash replays it), and linearizable reads wait for
   * appliedIndex, which moves only once the batch is written. It saves a write one disk round trip.
   */
  apply(index: number, term: number, cmd: Command | null, known?: (result: WriteResult) => void): Promise<WriteResult | undefined> {
    return this.serial(() => this.applyNow(index, term, cmd, known));
  }

  private async applyNow(index: number, term: number, cmd: Command | null, known?: (result: WriteResult) => void): Promise<WriteResult | undefined> {
    if (index !== this.meta.appliedIndex + 1) throw new Error(`apply: index ${index} is not appliedIndex + 1 (${this.meta.appliedIndex + 1})`);
    if (!R.isCount(term)) throw new Error(`apply: bad term ${term}`);
    const meta: R.Meta = { ...this.meta, appliedIndex: index, appliedTerm: term };
    if (cmd === null) return void (await this.commit(meta, []));
    let c: Command;
    try {
      c = validateCommand(cmd);
    } catch (err) {
      await this.commit(meta, []);
      throw err;
    }
    const prior = c.client === undefined ? undefined : this.sessions.get(c.client);
    if (c.client !== undefined && c.seq !== undefined && prior && c.seq <= prior.seq) {
      if (c.seq < prior.seq) {
        await this.commit(meta, []);
        throw new StaleRequestError(`stale request: client ${c.client} seq ${c.seq} is below its last applied seq ${prior.seq}`);
      }
      await this.commit(meta, [], this.sessions.plan(c.client, c.seq, prior.result, index));
      return { ...prior.result };
    }
    meta.revision++;
    const tx = new WriteTx(this.db, meta.revision, this.dir);
    const result = await tx.run(c);
    const ops = tx.batchOps();
    const events = tx.events();
    if (events.length > 0) ops.push({ type: "put", key: R.historyKey(meta.revision), value: R.encodeJson(events) });
    // Trim history to the last historyRevisions revisions (normally one key per apply).
    const through = Math.max(meta.compactedThrough, meta.revision - this.historyRevisions);
    for (let r = meta.compactedThrough + 1; r <= through; r++) ops.push({ type: "del", key: R.historyKey(r) });
    meta.compactedThrough = through;
    const session = c.client !== undefined && c.seq !== undefined ? this.sessions.plan(c.client, c.seq, result, index) : undefined;
    const written = this.commit(meta, ops, session);
    const settled = (this.unwritten = written.catch(() => undefined));
    known?.(result);
    await written;
    if (this.unwritten === settled) this.unwritten = undefined;
    if (events.length > 0) this.notify(events);
    return result;
  }

  /** Writes ops + session + meta in one batch; memory changes only once the batch is written. */
  private async commit(meta: R.Meta, ops: BatchOp[], session?: SessionChange): Promise<void> {
    if (session) {
      ops.push({ type: "put", key: R.sessionKey(session.client), value: R.encodeJson(session.record) });
      for (const c of session.evicted) ops.push({ type: "del", key: R.sessionKey(c) });
    }
    ops.push({ type: "put", key: R.META_KEY, value: R.encodeJson(meta) });
    await this.db.batch(ops);
    this.meta = meta;
    if (session) this.sessions.commit(session);
  }

  /**
   * Listeners get each applied write's events (in order, once its batch is written); writes that changed
   * nothing (e.g. a del of a missing key) and deduplicated retries notify nobody. Listeners must not throw
   * or mutate the array (errors are logged).
   */
  subscribe(listener: (events: WatchEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private notify(events: WatchEvent[]): void {
    for (const l of this.listeners) {
      try {
        l(events);
      } catch (err) {
        console.error("kv state machine: a watch listener threw", err);
      }
    }
  }

  /** A consistent read: meta and data come from one explicit LevelDB snapshot. */
  async range(q: RangeQuery): Promise<RangeResult> {
    const wait = this.ready();
    if (wait) await wait;
    if (this.unwritten) await this.unwritten;
    const snapshot = this.db.snapshot();
    try {
      const revision = await this.revisionAt(snapshot);
      const limit = q.limit === undefined || q.limit < 0 ? Infinity : q.limit;
      const kvs: RangeResult["kvs"] = [];
      let more = false;
      const it = this.db.iterator({ ...R.dataRange(q), reverse: q.reverse === true, limit: limit === Infinity ? -1 : limit + 1, snapshot });
      for await (const [k, v] of it) {
        if (kvs.length >= limit) {
          more = true;
          break;
        }
        const rec = R.decodeRecord(v, this.dir);
        kvs.push({
          key: R.b64(k.subarray(1)),
          ...(q.keysOnly ? {} : { value: R.b64(rec.value) }),
          createRevision: rec.createRevision,
          modRevision: rec.modRevision,
          version: rec.version,
        });
      }
      return { kvs, more, revision };
    } finally {
      await snapshot.close();
    }
  }

  /** Retained events with revision >= fromRevision, oldest first. */
  async history(fromRevision: number): Promise<WatchEvent[]> {
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 1) throw new UserError(`fromRevision must be an integer >= 1, not ${fromRevision}`);
    const wait = this.ready();
    if (wait) await wait;
    const snapshot = this.db.snapshot();
    try {
      const meta = await this.metaAt(snapshot);
      if (fromRevision <= meta.compactedThrough) {
        throw new UserError(`compacted: oldest retained revision is ${meta.compactedThrough + 1}`);
      }
      const out: WatchEvent[] = [];
      for await (const v of this.db.values({ gte: R.historyKey(fromRevision), lt: R.nsStart(R.NS.END), snapshot })) {
        out.push(...(JSON.parse(v.toString("utf8")) as WatchEvent[]));
      }
      return out;
    } finally {
      await snapshot.close();
    }
  }

  /** A synced write: LevelDB's log is sequential, so every earlier apply becomes durable too. */
  checkpoint(): Promise<void> {
    return this.serial(() => this.db.put(R.META_KEY, R.encodeJson(this.meta), { sync: true }));
  }

  /**
   * Streams meta, sessions and every key (not history) to `file` from one iterator, a point-in-time view
   * even while applies continue. Format: snapshot-file.ts.
   */
  async writeSnapshot(file: string): Promise<SnapshotInfo> {
    const wait = this.ready();
    if (wait) await wait;
    const it = this.db.iterator({ gte: R.nsStart(R.NS.META), lt: R.nsStart(R.NS.HISTORY) });
    let meta: R.Meta | undefined;
    try {
      const { bytes, sha256 } = await writeNdjsonAtomic(file, stateLines(it, this.dir, (m) => (meta = m)));
      const m = meta as R.Meta;
      return { index: m.appliedIndex, term: m.appliedTerm, revision: m.revision, bytes, sha256 };
    } finally {
      await it.close();
    }
  }

  /**
   * Replaces the whole state with a snapshot file. A first pass verifies the checksum and the structure
   * (a UserError changes nothing); then the database is marked "restoring", cleared, refilled in batches
   * and the new meta written synced. History restarts at the snapshot's revision.
   */
  restoreSnapshot(file: string, expected: { sha256: string }): Promise<{ index: number; term: number; revision: number }> {
    const run = this.serial(() => this.restoreNow(file, expected.sha256));
    this.restoresPending++;
    this.restoring = run.catch(() => undefined).finally(() => this.restoresPending--);
    return run;
  }

  private async restoreNow(file: string, sha256: string): Promise<{ index: number; term: number; revision: number }> {
    const first: { sha256?: string } = {};
    for await (const _ of readSnapshotLines(file, first)) void _;
    if (first.sha256 !== sha256) {
      throw new UserError(`snapshot ${file}: checksum mismatch (expected ${sha256}, the file has ${first.sha256}); nothing was changed`);
    }
    try {
      await this.db.put(R.META_KEY, R.encodeJson({ ...this.meta, restoring: true }), { sync: true });
      await this.db.clear({ gte: R.nsStart(R.NS.SESSION), lt: R.nsStart(R.NS.END) });
      const { meta, sessions, ops } = await fillFromSnapshot(this.db, file, sha256, RESTORE_BATCH);
      ops.push({ type: "put", key: R.META_KEY, value: R.encodeJson(meta) });
      await this.db.batch(ops, { sync: true });
      this.meta = meta;
      this.sessions = SessionTable.load(this.sessions.max, sessions);
      return { index: meta.appliedIndex, term: meta.appliedTerm, revision: meta.revision };
    } catch (err) {
      // The database is half-rewritten and marked so; reopening reports it as an interrupted restore.
      this.failed = new CorruptStorageError(`${this.dir}: a snapshot restore failed midway: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.listeners.clear();
    await this.db.close();
  }

  /** Runs fn after every earlier queued call, whether that one succeeded or not. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new UserError(`${this.dir}: the state machine is closed`));
    const run = this.queue.then(() => {
      if (this.failed) throw this.failed;
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Checks before a read. Returns a promise only while a restore is pending, so a read that needs no wait
   * takes its LevelDB view synchronously, at call time.
   */
  private ready(): Promise<void> | undefined {
    if (this.closed) throw new UserError(`${this.dir}: the state machine is closed`);
    if (this.failed) throw this.failed;
    if (this.restoresPending === 0) return undefined;
    return (this.restoring as Promise<unknown>).then(() => {
      if (this.failed) throw this.failed;
    });
  }

  private async metaAt(snapshot: ReturnType<Db["snapshot"]>): Promise<R.Meta> {
    const raw = await this.db.get(R.META_KEY, { snapshot });
    if (raw === undefined) throw new CorruptStorageError(`${this.dir}: no meta record`);
    return R.parseMeta(raw, this.dir);
  }

  private async revisionAt(snapshot: ReturnType<Db["snapshot"]>): Promise<number> {
    return (await this.metaAt(snapshot)).revision;
  }
}
