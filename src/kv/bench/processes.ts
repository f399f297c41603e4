/** Node processes of a benchmark cluster: started with their output in log files, killed, restarted alike. */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { killOnExit } from "../faults/processes";
import { waitFor } from "./target";

interface Member {
  cmd: string;
  args: string[];
  log: string;
  env?: NodeJS.ProcessEnv;
  child?: ChildProcess;
}

export class ProcessGroup {
  private readonly members = new Map<number, Member>();

  constructor() {
    killOnExit.add(this);
  }

  start(id: number, cmd: string, args: string[], log: string, env?: NodeJS.ProcessEnv): void {
    const m: Member = { cmd, args, log, env };
    this.members.set(id, m);
    this.spawn(m);
  }

  pid(id: number): number | undefined {
    return this.members.get(id)?.child?.pid;
  }

  alive(id: number): boolean {
    const c = this.members.get(id)?.child;
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  /** Sends `signal` and, for SIGKILL/SIGTERM, waits for the exit. */
  async kill(id: number, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const c = this.members.get(id)?.child;
    if (!c || !this.alive(id)) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    if (signal === "SIGKILL" || signal === "SIGTERM") await exited;
  }

  restart(id: number): void {
    const m = this.members.get(id);
    if (!m) throw new Error(`no process ${id}`);
    if (!this.alive(id)) this.spawn(m);
  }

  dead(): number[] {
    return [...this.members.keys()].filter((id) => !this.alive(id));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.members.keys()].map((id) => this.kill(id, "SIGKILL")));
    killOnExit.delete(this);
  }

  /** Called by killOnExit when this process exits or is interrupted. */
  killAllSync(): void {
    for (const m of this.members.values()) if (m.child && m.child.exitCode === null) m.child.kill("SIGKILL");
  }

  private spawn(m: Member): void {
    const fd = openSync(m.log, "a");
    m.child = spawn(m.cmd, m.args, { stdio: ["ignore", fd, fd], env: m.env ?? process.env });
    closeSync(fd);
  }
}

/**
 * Leader-kill controls for a benchmark target whose members run in `group`. `isLeader(id)` asks member
 * `id` whether it leads, and throws while it does not answer.
 */
export function leaderControls(group: ProcessGroup, ids: number[], isLeader: (id: number) => Promise<boolean>, timeoutMs: number) {
  const leaderId = async () => {
    for (const i of ids) if (group.alive(i) && (await isLeader(i).catch(() => false))) return i;
    return undefined;
  };
  return {
    waitForLeader: () => waitFor("a leader", timeoutMs, async () => (await leaderId()) !== undefined),
    killLeader: async (): Promise<number> => {
      const id = await leaderId();
      if (!id) throw new Error("no leader to kill");
      await group.kill(id);
      return id;
    },
    restartKilled: async (): Promise<void> => {
      const dead = group.dead();
      for (const i of dead) group.restart(i);
      await waitFor("killed members back", timeoutMs, async () => {
        for (const i of dead) await isLeader(i);
        return (await leaderId()) !== undefined;
      });
    },
  };
}
