/**
 * Durable RaftStorage on a LevelDB directory (classic-level).
 *
 * The core reads storage synchronously, so the entries after the snapshot live in memory too (loaded and
 * validated at open; compaction keeps them few). Every write goes to LevelDB in one atomic batch and
 * updates the in-memory copy only once that batch has succeeded, so the copy never runs ahead of disk;
 * the one exception is a hard state whose commit index alone changed (the core says no sync is needed):
 * it is kept in memory and written with the next batch or at close. The commit index need not be
 * durable (Raft relearns it from the leader), and writing it alone cost a LevelDB write per client write.
 *
 * Key layout (utf8 keys sort bytewise, so entries sort by index):
 *   e/<index, 16 zero-padded digits>  one log entry   (16 digits hold Number.MAX_SAFE_INTEGER)
 *   m/hard                            hard state
 *   m/snap                            snapshot metadata (index, term, membership, data descriptor)
 * Every value is "<checksum> <json>", the checksum covering the JSON text exactly as written.
 */
import { createHash } from "node:crypto";
import { ClassicLevel } from "classic-level";
import { UserError } from "../../errors";
import { onlyCommitChanged } from "../raft/ready";
import { copyMembership, type RaftStorage } from "../raft/storage";
import type { Entry, HardState, Membership, Snapshot } from "../raft/types";
import { CorruptStorageError, openLevel } from "./errors";

const ENTRY_PREFIX = "e/";
const ENTRY_KEY = /^e\/(\d{16})$/;
const HARD_KEY = "m/hard";
const SNAP_KEY = "m/snap";
const SUM_LENGTH = 16;

type Op = { type: "put"; key: string; value: string } | { type: "del"; key: string };
/** Reports a broken invariant: corruption when loading, a UserError for bad input when writing. */
type Fail = (where: string, what: string) => never;

export interface RaftLogUpdate {
  snapshot?: Snapshot;
  entries: Entry[];
  hardState?: HardState;
}

export class LevelRaftStorage implements RaftStorage {
  /** Writes run one at a time: each validates against the state the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    readonly dir: string,
    private snap: Snapshot,
    /** ents[k].index === snap.index + 1 + k. */
    private ents: Entry[],
    private hard: HardState,
  ) {}

  /** `hard` differs from the stored hard state (by its commit index only). */
  private hardUnsaved = false;
  /** Background deletion of compacted entries. */
  private clearing: Promise<unknown> = Promise.resolve();

  /** Opens (or creates, with `bootstrap` as the index-0 membership) the log in `dir`, validating it all. */
  static async open(dir: string, bootstrap: Membership): Promise<LevelRaftStorage> {
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: "utf8", valueEncoding: "utf8" });
    await openLevel(db, "raft log", dir);
    try {
      const loaded = await load(db, dir);
      if (loaded) {
        // Entries a crash left behind a compaction: the snapshot covers them.
        if (loaded.leftovers) await db.clear({ gte: ENTRY_PREFIX, lte: entryKey(loaded.snap.index) });
        return new LevelRaftStorage(db, dir, loaded.snap, loaded.ents, loaded.hard);
      }
      // Fresh directory: persist the bootstrap state so a restart never depends on the argument again.
      const snap: Snapshot = { index: 0, term: 0, membership: copyMembership(bootstrap), data: "" };
      const hard: HardState = { term: 0, vote: 0, commit: 0 };
      await db.batch([put(SNAP_KEY, snap), put(HARD_KEY, hard)], { sync: true });
      return new LevelRaftStorage(db, dir, snap, [], hard);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  // ---------------------------------------------------------------- RaftStorage (from memory)

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
    return copySnapshot(this.snap);
  }

  // ---------------------------------------------------------------- writes

  /**
   * Persists one Ready: the snapshot (replacing the whole log), then the entries (replacing the stored
   * suffix from the first one's index; those the snapshot covers are skipped), then the hard state, in one
   * batch, fsynced when `sync` (pass `rd.mustSync`).
   */
  save(update: RaftLogUpdate, sync: boolean): Promise<void> {
    return this.serialize(async () => {
      let { snap, ents, hard } = this;
      const h = update.hardState;
      if (h && onlyCommitChanged(update, hard, sync)) {
        checkHardState(h, snap, ents, badInput);
        this.hard = { ...h };
        this.hardUnsaved = true;
        return;
      }
      const ops: Op[] = [];
      if (update.snapshot) {
        const s = update.snapshot;
        checkSnapshot(s, "snapshot", badInput);
        if (s.index < snap.index) throw new UserError(`raft storage: snapshot ${s.index} is older than ${snap.index}`);
        for (const e of ents) ops.push({ type: "del", key: entryKey(e.index) });
        snap = copySnapshot(s);
        ents = [];
        ops.push(put(SNAP_KEY, snap));
      }
      const fresh = update.entries.filter((e) => e.index > snap.index);
      if (fresh.length > 0) {
        const first = fresh[0].index;
        const last = snap.index + ents.length;
        if (first > last + 1) throw new UserError(`raft storage: gap before entry ${first} (last index ${last})`);
        const kept = ents.slice(0, first - snap.index - 1);
        const prevTerm = kept.length > 0 ? kept[kept.length - 1].term : snap.term;
        checkRun(first - 1, prevTerm, fresh, badInput);
        // Overwritten keys are replaced by the puts; only keys past the new end need deleting.
        for (let i = fresh[fresh.length - 1].index + 1; i <= last; i++) ops.push({ type: "del", key: entryKey(i) });
        for (const e of fresh) ops.push(put(entryKey(e.index), e));
        ents = kept.concat(fresh);
      }
      if (h) hard = { ...h };
      if (h || (ops.length > 0 && this.hardUnsaved)) ops.push(put(HARD_KEY, hard));
      // Refuse to write anything open() would later reject as corrupt.
      checkHardState(hard, snap, ents, badInput);
      if (ops.length > 0) await this.db.batch(ops, { sync });
      this.snap = snap;
      this.ents = ents;
      this.hard = hard;
      if (ops.length > 0) this.hardUnsaved = false;
    });
  }

  /**
   * Installs a locally taken snapshot (RaftNode.createSnapshot): durable when this resolves; the entries it
   * covers leave memory at once and the disk in the background.
   */
  compact(s: Snapshot): Promise<void> {
    return this.serialize(async () => {
      if (s.index <= this.snap.index) return;
      checkSnapshot(s, "snapshot", badInput);
      if (s.index > this.lastIndex()) {
        throw new UserError(`raft storage: cannot compact to ${s.index} beyond last index ${this.lastIndex()}`);
      }
      if (this.term(s.index) !== s.term) {
        throw new UserError(`raft storage: snapshot term ${s.term} does not match entry ${s.index}`);
      }
      const snap = copySnapshot(s);
      const ops: Op[] = [put(SNAP_KEY, snap)];
      if (this.hardUnsaved) ops.push(put(HARD_KEY, this.hard));
      const covered = { gte: entryKey(this.firstIndex()), lte: entryKey(s.index) };
      // Always durable: the application may drop the previous snapshot's data once this resolves.
      await this.db.batch(ops, { sync: true });
      this.ents = this.ents.slice(s.index - this.snap.index);
      this.snap = snap;
      this.hardUnsaved = false;
      // The covered entries are garbage now (open() drops any that a crash leaves behind). Deleting them in
      // the batch above held the event loop for tens of ms per 10,000 entries, stalling every request, so
      // LevelDB clears them in the background instead, in its own chunks; close() waits for it.
      // A failed clear leaves only garbage, which the next open() removes.
      this.clearing = Promise.all([this.clearing, this.db.clear(covered).catch(() => undefined)]);
    });
  }

  /** Waits for pending writes, then closes the database. */
  close(): Promise<void> {
    return this.serialize(async () => {
      await this.clearing;
      if (this.hardUnsaved) await this.db.batch([put(HARD_KEY, this.hard)], { sync: true });
      this.hardUnsaved = false;
      await this.db.close();
    });
  }

  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
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

// ---------------------------------------------------------------- loading

/** Reads and validates the whole directory; undefined when it holds nothing yet. */
async function load(
  db: ClassicLevel<string, string>,
  dir: string,
): Promise<{ snap: Snapshot; ents: Entry[]; hard: HardState; leftovers: boolean } | undefined> {
  const bad: Fail = (where, what) => {
    throw new CorruptStorageError(`raft log in ${dir} is corrupt: ${where}: ${what}; the node will not start`);
  };
  let snapRaw: string | undefined;
  let hardRaw: string | undefined;
  const rawEntries: [number, string][] = [];
  let any = false;
  for await (const [key, value] of db.iterator()) {
    any = true;
    const m = ENTRY_KEY.exec(key);
    if (m) rawEntries.push([Number(m[1]), value]);
    else if (key === SNAP_KEY) snapRaw = value;
    else if (key === HARD_KEY) hardRaw = value;
    else bad(`key ${JSON.stringify(key)}`, "unexpected key");
  }
  if (!any) return undefined;
  if (snapRaw === undefined) bad(SNAP_KEY, "snapshot metadata is missing");
  if (hardRaw === undefined) bad(HARD_KEY, "hard state is missing");

  const snap = decode(snapRaw, "snapshot metadata", bad) as Snapshot;
  checkSnapshot(snap, "snapshot metadata", bad);
  const ents: Entry[] = [];
  let leftovers = false;
  for (const [index, raw] of rawEntries) {
    const expected = snap.index + 1 + ents.length;
    if (index <= snap.index) {
      leftovers = true; // a compaction's background delete did not finish
      continue;
    }
    if (index > expected) bad(`entry ${expected}`, `missing (the next stored entry is ${index})`);
    const e = decode(raw, `entry ${index}`, bad);
    if (isObject(e) && e.index !== index) {
      bad(`entry ${index}`, `stored under key ${index} but says index ${String(e.index)}`);
    }
    ents.push(e as Entry);
  }
  checkRun(snap.index, snap.term, ents, bad);
  const hard = decode(hardRaw, "hard state", bad) as HardState;
  checkHardState(hard, snap, ents, bad);
  return { snap, ents, hard, leftovers };
}

function decode(raw: string, where: string, bad: Fail): unknown {
  const sum = raw.slice(0, SUM_LENGTH);
  const json = raw.slice(SUM_LENGTH + 1);
  if (raw[SUM_LENGTH] !== " " || !/^[0-9a-f]+$/.test(sum)) bad(where, "value has no checksum");
  if (checksum(json) !== sum) bad(where, "checksum mismatch");
  try {
    return JSON.parse(json);
  } catch {
    return bad(where, "value is not valid JSON");
  }
}

// ---------------------------------------------------------------- encoding and invariants

function entryKey(index: number): string {
  return ENTRY_PREFIX + String(index).padStart(16, "0");
}

function put(key: string, value: unknown): Op {
  const json = JSON.stringify(value);
  return { type: "put", key, value: `${checksum(json)} ${json}` };
}

/** Truncated SHA-1 (zlib.crc32 needs Node 20.15+, and the engines field allows any Node 20). */
function checksum(json: string): string {
  return createHash("sha1").update(json).digest("hex").slice(0, SUM_LENGTH);
}

function copySnapshot(s: Snapshot): Snapshot {
  return { index: s.index, term: s.term, membership: copyMembership(s.membership), data: s.data };
}

const badInput: Fail = (where, what) => {
  throw new UserError(`raft storage: ${where}: ${what}`);
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isMembership(v: unknown): boolean {
  const ids = (l: unknown) => Array.isArray(l) && l.every(isCount);
  return isObject(v) && ids(v.voters) && ids(v.learners);
}

function checkSnapshot(s: unknown, where: string, bad: Fail): void {
  const ok = isObject(s) && isCount(s.index) && isCount(s.term) && isMembership(s.membership);
  if (!ok || typeof s.data !== "string") {
    bad(where, "malformed snapshot (needs integer index and term, a membership and string data)");
  }
}

function entryProblem(e: unknown): string | undefined {
  if (!isObject(e)) return "not an object";
  if (!isCount(e.index) || !isCount(e.term)) return "index and term must be non-negative integers";
  if (e.type === "normal") return typeof e.data === "string" ? undefined : "normal entry without string data";
  if (e.type !== "conf") return `unknown entry type ${JSON.stringify(e.type)}`;
  const c = e.change;
  const okChange = isObject(c) && ["addVoter", "addLearner", "remove"].includes(c.type as string) && isCount(c.nodeId);
  return okChange && isMembership(e.membership) ? undefined : "conf entry with a malformed change or membership";
}

/** Entries must be well formed, follow `prevIndex` contiguously and never decrease in term. */
function checkRun(prevIndex: number, prevTerm: number, entries: unknown[], bad: Fail): void {
  for (const e of entries) {
    const problem = entryProblem(e);
    if (problem) bad(`entry ${prevIndex + 1}`, problem);
    const { index, term } = e as Entry;
    if (index !== prevIndex + 1) bad(`entry ${index}`, `expected index ${prevIndex + 1}`);
    if (term < prevTerm) bad(`entry ${index}`, `term ${term} is below the preceding term ${prevTerm}`);
    prevIndex = index;
    prevTerm = term;
  }
}

/** The hard state can neither commit past the log nor lag the term of its last entry. */
function checkHardState(h: unknown, snap: Snapshot, ents: Entry[], bad: Fail): void {
  if (!isObject(h) || !isCount(h.term) || !isCount(h.vote) || !isCount(h.commit)) {
    bad("hard state", "malformed (needs integer term, vote and commit)");
  }
  const { term, commit } = h as unknown as HardState;
  const last = snap.index + ents.length;
  const lastTerm = ents.length > 0 ? ents[ents.length - 1].term : snap.term;
  if (commit > last) bad("hard state", `commit ${commit} is beyond the last index ${last}`);
  if (term < lastTerm) bad("hard state", `term ${term} is below the last entry's term ${lastTerm}`);
}
