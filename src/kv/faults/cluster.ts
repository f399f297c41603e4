/**
 * A cluster of real node processes on loopback whose every directed peer link runs through its own
 * LinkProxy, for fault injection. Node i is started with a member list in which every other node j's peer
 * port is the proxy for i->j (its own entry and every client port are real). Nodes pin the addresses they
 * are started with, so addresses learned from conf entries or snapshots never bypass the proxies.
 *
 * Faults: kill / restart (same data dir), pause / resume (SIGSTOP / SIGCONT), partitions and bridges
 * (proxy modes), membership changes (remove, then re-add with a wiped dir and --join), and the storage
 * failpoint (a node started with KV_FAILPOINT_CRASH_BEFORE_FSYNC kills itself between append and fsync).
 * Node output goes to <dir>/node-<id>.log. Children are SIGKILLed when the cluster stops, and also on
 * process exit and SIGINT, so a crashed or interrupted harness leaves nothing running.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { UserError } from "../../errors";
import { KvClient } from "../client/kv-client";
import { LinkProxy, type ProxyMode } from "./proxy";
import { freePorts } from "../../util/ports";
import { HOST, killOnExit } from "./processes";

const REPO = resolve(__dirname, "../../..");
const CLI = join(REPO, "scripts/kv.ts");

export interface FaultClusterOptions {
  nodes: number;
  /** Parent of the cluster's temp dir (default: the OS temp dir). */
  tmpRoot?: string;
  /** Timeline sink: every fault and process event is reported here. */
  event?: (what: string) => void;
  /** Nodes snapshot and compact their logs after this many applied entries (the node's default when absent). */
  snapshotEvery?: number;
}

interface NodeState {
  id: number;
  peerPort: number;
  clientPort: number;
  proc?: ChildProcess;
  exited?: Promise<void>;
  paused: boolean;
  /** Crash-before-fsync probability the current process runs with (0: off). */
  failpoint: number;
  /** We asked for this exit (kill/stop): anything else is a crash. */
  expectExit: boolean;
}

export interface NodeStatus {
  id: number;
  role: string;
  term: number;
  lead: number;
  membership?: { voters: number[]; learners: number[] };
}


export class FaultCluster {
  readonly ids: number[];
  readonly dir: string;
  private readonly nodes = new Map<number, NodeState>();
  /** Key `${from}->${to}`. */
  private readonly proxies = new Map<string, LinkProxy>();
  private stopped = false;
  /** Called when a node exits without being asked to (failpoint, crash). */
  onCrash?: (id: number, how: string) => void;

  private constructor(
    n: number,
    private readonly opts: FaultClusterOptions,
  ) {
    if (n !== 3 && n !== 5) throw new UserError(`nodes must be 3 or 5, got ${n}`);
    this.ids = Array.from({ length: n }, (_, k) => k + 1);
    this.dir = mkdtempSync(join(opts.tmpRoot ?? tmpdir(), "kv-nemesis-"));
  }

  /** Starts the proxies and every node, and waits for a leader. */
  static async start(opts: FaultClusterOptions): Promise<FaultCluster> {
    const c = new FaultCluster(opts.nodes, opts);
    killOnExit.add(c);
    try {
      const ports = await freePorts(2 * c.ids.length);
      c.ids.forEach((id, k) => c.nodes.set(id, { id, peerPort: ports[2 * k], clientPort: ports[2 * k + 1], paused: false, failpoint: 0, expectExit: false }));
      for (const i of c.ids) for (const j of c.ids) if (i !== j) c.proxies.set(`${i}->${j}`, await LinkProxy.start(c.node(j).peerPort));
      for (const id of c.ids) c.spawn(id, false);
      await c.waitForLeader(30_000);
      // A node that died while starting (a port taken, a bad data dir) would otherwise surface later as timeouts.
      const dead = c.ids.filter((id) => !c.isRunning(id));
      if (dead.length) throw new Error(`node ${dead.join(", ")} exited while the cluster started (logs in ${c.dir})`);
    } catch (err) {
      await c.stop({ keepDir: true }); // the error names the logs
      throw err;
    }
    return c;
  }

  get endpoints(): string[] {
    return this.ids.map((id) => this.clientUrl(id));
  }

  clientUrl(id: number): string {
    return `http://${HOST}:${this.node(id).clientPort}`;
  }

  logFile(id: number): string {
    return join(this.dir, `node-${id}.log`);
  }

  dataDir(id: number): string {
    return join(this.dir, `node-${id}`);
  }

  isRunning(id: number): boolean {
    return this.node(id).proc !== undefined;
  }

  isPaused(id: number): boolean {
    return this.node(id).paused;
  }

  failpointOf(id: number): number {
    return this.node(id).failpoint;
  }

  /** Node i's view of the cluster: peers through i's proxies, itself and every client port real. */
  membersFor(i: number): string {
    return this.ids
      .map((j) => `${j}=${HOST}:${j === i ? this.node(j).peerPort : this.proxy(i, j).port}:${this.node(j).clientPort}`)
      .join(",");
  }

  proxy(from: number, to: number): LinkProxy {
    const p = this.proxies.get(`${from}->${to}`);
    if (!p) throw new Error(`no link ${from}->${to}`);
    return p;
  }

  // ------------------------------------------------------------ processes

  async kill(id: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const n = this.node(id);
    if (!n.proc) return;
    n.expectExit = true;
    if (n.paused && signal !== "SIGKILL") n.proc.kill("SIGCONT"); // a stopped process cannot handle SIGTERM
    n.proc.kill(signal);
    n.paused = false;
    await n.exited;
    this.event(`node ${id} killed (${signal})`);
  }

  /** Starts node `id` on its data dir (killing it first if it runs); `failpoint` arms crash-before-fsync. */
  async restart(id: number, opts: { failpoint?: number; join?: boolean } = {}): Promise<void> {
    if (this.isRunning(id)) await this.kill(id);
    this.spawn(id, opts.join ?? false, opts.failpoint ?? 0);
  }

  pause(id: number): void {
    const n = this.node(id);
    if (!n.proc || n.paused) return;
    n.proc.kill("SIGSTOP");
    n.paused = true;
    this.event(`node ${id} paused (SIGSTOP)`);
  }

  resume(id: number): void {
    const n = this.node(id);
    if (!n.proc || !n.paused) return;
    n.proc.kill("SIGCONT");
    n.paused = false;
    this.event(`node ${id} resumed (SIGCONT)`);
  }

  // ------------------------------------------------------------ network

  /** Cuts (or blackholes) every link between different groups, both directions; nodes in no group keep all links. */
  partition(groups: number[][], mode: "cut" | "drop" = "cut"): void {
    const group = new Map<number, number>();
    groups.forEach((g, k) => g.forEach((id) => group.set(id, k)));
    for (const i of this.ids) {
      for (const j of this.ids) {
        if (i === j) continue;
        const gi = group.get(i);
        const gj = group.get(j);
        if (gi !== undefined && gj !== undefined && gi !== gj) this.proxy(i, j).set({ kind: mode });
      }
    }
    this.event(`partition ${groups.map((g) => `{${g.join(",")}}`).join(" | ")} (${mode})`);
  }

  /** Two sides that cannot talk, and one node that talks to both (etcd/Jepsen's "bridge"). */
  bridge(sideA: number[], sideB: number[], via: number, mode: "cut" | "drop" = "cut"): void {
    for (const a of sideA) {
      for (const b of sideB) {
        this.proxy(a, b).set({ kind: mode });
        this.proxy(b, a).set({ kind: mode });
      }
    }
    this.event(`bridge {${sideA.join(",")}} <-${via}-> {${sideB.join(",")}} (${mode})`);
  }

  /** Sets every link (or the given ones) to a mode, e.g. a delay. */
  setLinks(mode: ProxyMode, links?: Array<[number, number]>): void {
    for (const [i, j] of links ?? this.allLinks()) this.proxy(i, j).set(mode);
    if (mode.kind !== "pass") this.event(`links ${links ? links.map(([i, j]) => `${i}->${j}`).join(",") : "all"}: ${JSON.stringify(mode)}`);
  }

  /** Every link back to pass, and every paused node resumed. */
  heal(): void {
    for (const p of this.proxies.values()) p.heal();
    for (const id of this.ids) this.resume(id);
    this.event("network healed");
  }

  // ------------------------------------------------------------ cluster state

  /** Status of one node, or undefined if it does not answer within `timeoutMs` (dead, paused, busy). */
  async status(id: number, timeoutMs = 700): Promise<NodeStatus | undefined> {
    const n = this.node(id);
    if (!n.proc || n.paused) return undefined;
    try {
      const res = await fetch(`${this.clientUrl(id)}/v1/status`, { signal: AbortSignal.timeout(timeoutMs) });
      return res.ok ? ((await res.json()) as NodeStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The leader with the highest term among the nodes that answer (a deposed one may still think it leads). */
  async leader(): Promise<number | undefined> {
    const all = await Promise.all(this.ids.map((id) => this.status(id)));
    const leaders = all.filter((s): s is NodeStatus => s?.role === "leader").sort((a, b) => b.term - a.term);
    return leaders[0]?.id;
  }

  async waitForLeader(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.stopped) {
      const l = await this.leader();
      if (l !== undefined) return l;
      await sleep(100);
    }
    throw new Error(`no leader within ${timeoutMs} ms (logs in ${this.dir})`);
  }

  /** A client on every client port (the member under change included: the client skips dead ones). */
  client(deadlineMs = 10_000): KvClient {
    return new KvClient({ endpoints: this.endpoints, deadlineMs, attemptTimeoutMs: 1000 });
  }

  /** Removes `id` from the configuration, then kills it and wipes its data: it is gone for good. */
  async removeMember(id: number): Promise<void> {
    try {
      await this.client().removeMember(id);
    } catch (err) {
      // The change may have committed although the reply was lost: the leader's configuration tells.
      const voters = await this.voters();
      if (!voters || voters.includes(id)) throw err;
    }
    this.event(`node ${id} removed from the configuration`);
    await this.kill(id);
    rmSync(this.dataDir(id), { recursive: true, force: true });
  }

  /** Adds `id` back as a voter and starts it with an empty data dir and --join. */
  async addMember(id: number): Promise<void> {
    const n = this.node(id);
    if (this.isRunning(id)) await this.kill(id);
    rmSync(this.dataDir(id), { recursive: true, force: true });
    // The address in the entry is only for nodes that do not know `id`; every node here has it pinned.
    try {
      await this.client().addMember(id, `http://${HOST}:${n.peerPort}`, this.clientUrl(id));
    } catch (err) {
      const voters = await this.voters();
      if (!voters?.includes(id)) throw err;
    }
    this.event(`node ${id} added back as a voter`);
    this.spawn(id, true);
  }

  /** The voters as the leader sees them. */
  async voters(): Promise<number[] | undefined> {
    const l = await this.leader();
    return l === undefined ? undefined : (await this.status(l))?.membership?.voters;
  }

  async stop(opts: { keepDir?: boolean } = {}): Promise<void> {
    this.stopped = true;
    for (const n of this.nodes.values()) {
      if (!n.proc) continue;
      n.expectExit = true;
      n.proc.kill("SIGKILL");
    }
    await Promise.all([...this.nodes.values()].map((n) => n.exited));
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    killOnExit.delete(this);
    if (!opts.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort on process exit: synchronous, no waiting. */
  killAllSync(): void {
    for (const n of this.nodes.values()) {
      try {
        n.proc?.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  // ------------------------------------------------------------ internals

  private spawn(id: number, joining: boolean, failpoint = 0): void {
    if (this.stopped) return;
    const n = this.node(id);
    const args = ["--import", "tsx", CLI, "node", "--id", String(id), "--data", this.dataDir(id), "--members", this.membersFor(id)];
    if (joining) args.push("--join");
    if (this.opts.snapshotEvery) args.push("--snapshot-every", String(this.opts.snapshotEvery));
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (failpoint > 0) env.KV_FAILPOINT_CRASH_BEFORE_FSYNC = String(failpoint);
    else delete env.KV_FAILPOINT_CRASH_BEFORE_FSYNC;
    const fd = openSync(this.logFile(id), "a");
    writeSync(fd, `---- ${new Date().toISOString()} start${joining ? " --join" : ""}${failpoint ? ` failpoint=${failpoint}` : ""}\n`);
    const proc = spawn(process.execPath, args, { cwd: REPO, env, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    n.proc = proc;
    n.paused = false;
    n.failpoint = failpoint;
    n.expectExit = false;
    n.exited = new Promise<void>((done) =>
      proc.once("exit", (code, signal) => {
        if (n.proc === proc) n.proc = undefined;
        const how = signal ?? `code ${code}`;
        if (!n.expectExit && !this.stopped) {
          this.event(`node ${id} exited by itself (${how})`);
          this.onCrash?.(id, how);
        }
        done();
      }),
    );
    this.event(`node ${id} started${joining ? " (--join, empty dir)" : ""}${failpoint ? ` with failpoint crash-before-fsync p=${failpoint}` : ""}`);
  }

  private node(id: number): NodeState {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  private allLinks(): Array<[number, number]> {
    return [...this.proxies.keys()].map((k) => k.split("->").map(Number) as [number, number]);
  }

  private event(what: string): void {
    this.opts.event?.(what);
  }
}
