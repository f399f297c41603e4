/**
 * A hand-driven cluster for scenario tests: messages are delivered synchronously and in order until the
 * cluster is quiet, except those a test drops with `isolate`, `cut` or a custom filter.
 */
import { rng } from "../../../src/util/random";
import {
  MemoryStorage,
  RaftNode,
  type Entry,
  type Membership,
  type Message,
  type RaftConfig,
  type ReadState,
} from "../../../src/kv/raft";

export interface Member {
  node: RaftNode;
  storage: MemoryStorage;
  /** Every committed entry this node applied, in order (snapshots excluded). */
  applied: Entry[];
  readStates: ReadState[];
}

export type NodeOptions = Partial<Omit<RaftConfig, "id" | "storage" | "rng">>;

/** Storage holding entries 1..n with the given terms (no-op data) and a hard state. */
export function storageWith(membership: Membership, terms: number[], term = terms[terms.length - 1] ?? 0): MemoryStorage {
  const s = new MemoryStorage(membership);
  s.append(terms.map((t, k) => ({ type: "normal", index: k + 1, term: t, data: `e${k + 1}t${t}` })));
  s.setHardState({ term, vote: 0, commit: 0 });
  return s;
}

export function voters(...ids: number[]): Membership {
  return { voters: ids, learners: [] };
}

export class Cluster {
  readonly members = new Map<number, Member>();
  /** Messages delivered so far, for assertions. */
  readonly delivered: Message[] = [];
  private queue: Message[] = [];
  private isolated = new Set<number>();
  private cuts = new Set<string>();
  drop: (m: Message) => boolean = () => false;
  /** Rewrites messages in flight (e.g. to cut a batch short). */
  rewrite: (m: Message) => Message = (m) => m;

  constructor(
    private readonly opts: NodeOptions = {},
    private seed = 1,
  ) {}

  /** A cluster of fresh nodes all bootstrapped with the same voters. */
  static of(ids: number[], opts: NodeOptions = {}): Cluster {
    const c = new Cluster(opts);
    for (const id of ids) c.add(id, new MemoryStorage(voters(...ids)));
    return c;
  }

  add(id: number, storage: MemoryStorage, opts: NodeOptions = {}): Member {
    const node = new RaftNode({ ...this.opts, ...opts, id, storage, rng: rng(this.seed++ * 7919 + id) });
    const m: Member = { node, storage, applied: [], readStates: [] };
    this.members.set(id, m);
    return m;
  }

  node(id: number): RaftNode {
    const m = this.members.get(id);
    if (!m) throw new Error(`no node ${id}`);
    return m.node;
  }

  member(id: number): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no node ${id}`);
    return m;
  }

  /** Restarts a node from what it persisted (its unpersisted state is lost). */
  restart(id: number): void {
    const old = this.member(id);
    const node = new RaftNode({ ...this.opts, id, storage: old.storage, rng: rng(this.seed++ * 7919 + id) });
    this.members.set(id, { ...old, node, applied: old.applied.filter((e) => e.index <= old.storage.snapshot().index) });
  }

  remove(id: number): void {
    this.members.delete(id);
  }

  isolate(id: number): void {
    this.isolated.add(id);
  }

  cut(a: number, b: number): void {
    this.cuts.add(`${a}-${b}`).add(`${b}-${a}`);
  }

  heal(): void {
    this.isolated.clear();
    this.cuts.clear();
    this.drop = () => false;
    this.rewrite = (m) => m;
  }

  leaders(): number[] {
    return [...this.members.values()].filter((m) => m.node.status().role === "leader").map((m) => m.node.id);
  }

  tick(id: number, n = 1): void {
    for (let i = 0; i < n; i++) this.node(id).tick();
  }

  /** Ticks every node n times, stabilizing after each round. */
  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const m of this.members.values()) m.node.tick();
      this.stabilize();
    }
  }

  /** Processes readies and delivers messages until nothing is left. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const m of this.members.values()) {
        if (m.node.hasReady()) {
          this.processReady(m);
          busy = true;
        }
      }
      const batch = this.queue;
      this.queue = [];
      for (const msg of batch) {
        busy = true;
        if (this.blocked(msg)) continue;
        const to = this.members.get(msg.to);
        if (!to) continue;
        const out = this.rewrite(msg);
        this.delivered.push(out);
        to.node.step(out);
      }
      if (!busy) return;
    }
    throw new Error("cluster did not stabilize");
  }

  /** Persists, sends and applies one node's ready, as a server would. */
  processReady(m: Member): Message[] {
    const rd = m.node.ready();
    if (rd.snapshot) m.storage.applySnapshot(rd.snapshot);
    m.storage.append(rd.entries);
    if (rd.hardState) m.storage.setHardState(rd.hardState);
    this.queue.push(...rd.messages);
    m.applied.push(...rd.committedEntries);
    m.readStates.push(...rd.readStates);
    m.node.advance(rd);
    return rd.messages;
  }

  /** Takes (and removes) queued messages without delivering them. */
  takeQueued(): Message[] {
    for (const m of this.members.values()) if (m.node.hasReady()) this.processReady(m);
    const q = this.queue;
    this.queue = [];
    return q;
  }

  deliver(msgs: Message[]): void {
    for (const msg of msgs) this.members.get(msg.to)?.node.step(msg);
  }

  private blocked(m: Message): boolean {
    return this.isolated.has(m.from) || this.isolated.has(m.to) || this.cuts.has(`${m.from}-${m.to}`) || this.drop(m);
  }

  /** Elects `id` by timing it out first. */
  elect(id: number): void {
    this.node(id).campaign();
    this.stabilize();
  }

  /** Data of the normal entries a node applied, skipping leader no-ops. */
  appliedData(id: number): string[] {
    return this.member(id)
      .applied.filter((e) => e.type === "normal" && e.data !== "")
      .map((e) => (e.type === "normal" ? e.data : ""));
  }
}
