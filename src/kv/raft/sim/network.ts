/**
 * A seeded, fault-injecting network for the simulator: drops, duplicates, delays (and hence reorders)
 * messages and cuts links between partition groups. Messages travel as JSON text, which also proves
 * they are serializable and that no node shares objects with another.
 */
import type { Message } from "../types";

export interface NetworkFaults {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  dupRate: number;
  /** Probability that a message is held back up to `maxDelay` steps (otherwise 0 or 1 extra step). */
  slowRate: number;
  maxDelay: number;
}

export const NO_FAULTS: NetworkFaults = { dropRate: 0, dupRate: 0, slowRate: 0, maxDelay: 0 };

interface InFlight {
  at: number;
  from: number;
  to: number;
  json: string;
}

export class SimNetwork {
  private inflight: InFlight[] = [];
  /** Partition group of each node; links between different groups are cut. Absent: group 0. */
  private group = new Map<number, number>();

  constructor(
    private readonly rand: () => number,
    public faults: NetworkFaults,
  ) {}

  send(m: Message, now: number): void {
    if (!this.connected(m.from, m.to) || this.rand() < this.faults.dropRate) return;
    const json = JSON.stringify(m);
    const copies = this.rand() < this.faults.dupRate ? 2 : 1;
    for (let k = 0; k < copies; k++) {
      const delay = this.rand() < this.faults.slowRate ? Math.floor(this.rand() * (this.faults.maxDelay + 1)) : Math.floor(this.rand() * 2);
      this.inflight.push({ at: now + 1 + delay, from: m.from, to: m.to, json });
    }
  }

  /** Removes and returns the messages due by `now`, shuffled; ones crossing a cut link are lost. */
  due(now: number): Message[] {
    const ready: InFlight[] = [];
    const later: InFlight[] = [];
    for (const f of this.inflight) (f.at <= now ? ready : later).push(f);
    this.inflight = later;
    for (let i = ready.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [ready[i], ready[j]] = [ready[j], ready[i]];
    }
    return ready.filter((f) => this.connected(f.from, f.to)).map((f) => JSON.parse(f.json) as Message);
  }

  /** Splits the nodes into groups that cannot talk to each other (nodes not listed join group 0). */
  partition(groups: number[][]): void {
    this.group.clear();
    groups.forEach((g, k) => g.forEach((id) => this.group.set(id, k)));
  }

  heal(): void {
    this.group.clear();
  }

  connected(a: number, b: number): boolean {
    return (this.group.get(a) ?? 0) === (this.group.get(b) ?? 0);
  }

  get pending(): number {
    return this.inflight.length;
  }
}
