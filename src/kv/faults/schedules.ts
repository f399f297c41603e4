/**
 * The faults a nemesis run injects. Each one applies a fault to the cluster and returns its heal; the run
 * alternates them (fault ~1-3 s, heal ~1-2 s). Choices (which node, cut or blackhole) come from the run's
 * seeded random source, so a seed names a schedule (timing still varies with the machine).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { FaultCluster } from "./cluster";

export const NEMESES = [
  "partition-halves",
  "partition-majority-minority",
  "bridge",
  "kill-leader",
  "kill-random",
  "pause",
  "membership",
  "failpoint",
  "mixed",
] as const;
export type NemesisName = (typeof NEMESES)[number];

/** Crash-before-fsync probability per synced ready() of an armed node: a busy node dies within a second or so. */
export const FAILPOINT_PROBABILITY = 0.1;

export interface FaultContext {
  cluster: FaultCluster;
  rand: () => number;
  event(what: string): void;
  /** performance.now() of each leader kill, for failover times. */
  leaderKills: number[];
  /** Members removed and not yet added back (re-added at the next heal or at the end). */
  removed: Set<number>;
  /** Set while a failpoint fault runs: crashed nodes are restarted armed. */
  onCrash?: (id: number) => void;
}

export type Heal = () => Promise<void>;
type Fault = (ctx: FaultContext) => Promise<Heal>;

const shuffle = <T>(xs: T[], rand: () => number): T[] => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
const pick = <T>(xs: T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)];
const linkMode = (rand: () => number): "cut" | "drop" => (rand() < 0.3 ? "drop" : "cut");
const healNetwork: (ctx: FaultContext) => Heal = (ctx) => async () => ctx.cluster.heal();

/** Live members: running (or paused) and not removed. */
const members = (ctx: FaultContext) => ctx.cluster.ids.filter((id) => !ctx.removed.has(id));

const FAULTS: Record<Exclude<NemesisName, "mixed"> | "delay", Fault> = {
  "partition-halves": async (ctx) => {
    const ids = shuffle(ctx.cluster.ids, ctx.rand);
    const half = Math.floor(ids.length / 2);
    ctx.cluster.partition([ids.slice(0, half), ids.slice(half)], linkMode(ctx.rand));
    return healNetwork(ctx);
  },

  /** A minority, holding the current leader most of the time, cut off from the majority. */
  "partition-majority-minority": async (ctx) => {
    const leader = await ctx.cluster.leader();
    let ids = shuffle(ctx.cluster.ids, ctx.rand);
    if (leader !== undefined && ctx.rand() < 0.7) ids = [leader, ...ids.filter((id) => id !== leader)];
    const minority = Math.floor((ids.length - 1) / 2);
    ctx.cluster.partition([ids.slice(0, minority), ids.slice(minority)], linkMode(ctx.rand));
    return healNetwork(ctx);
  },

  /** Two sides that cannot talk and one node that talks to both: each side plus the bridge is a majority. */
  bridge: async (ctx) => {
    const ids = shuffle(ctx.cluster.ids, ctx.rand);
    const side = Math.floor(ids.length / 2);
    ctx.cluster.bridge(ids.slice(0, side), ids.slice(side + 1), ids[side], linkMode(ctx.rand));
    return healNetwork(ctx);
  },

  "kill-leader": async (ctx) => {
    const leader = await ctx.cluster.leader();
    if (leader === undefined) {
      ctx.event("kill-leader: no leader to kill");
      return async () => {};
    }
    ctx.leaderKills.push(performance.now());
    await ctx.cluster.kill(leader);
    ctx.event(`killed leader ${leader}`);
    return async () => {
      const next = await ctx.cluster.leader();
      ctx.event(next === undefined ? "no leader before restart" : `leader is now ${next}`);
      await ctx.cluster.restart(leader);
    };
  },

  /** One node (up to two of five) killed, whatever its role. */
  "kill-random": async (ctx) => {
    const n = ctx.cluster.ids.length === 5 && ctx.rand() < 0.5 ? 2 : 1;
    const victims = shuffle(members(ctx), ctx.rand).slice(0, n);
    for (const id of victims) await ctx.cluster.kill(id);
    return async () => {
      for (const id of victims) await ctx.cluster.restart(id);
    };
  },

  /** SIGSTOP the leader (half the time) or a random node: a process that hangs without dying. */
  pause: async (ctx) => {
    const leader = await ctx.cluster.leader();
    const id = leader !== undefined && ctx.rand() < 0.5 ? leader : pick(members(ctx), ctx.rand);
    ctx.cluster.pause(id);
    return async () => ctx.cluster.resume(id);
  },

  /** Remove a follower under load; the heal adds it back with an empty data dir (it catches up by log or snapshot). */
  membership: async (ctx) => {
    const leader = await ctx.cluster.leader();
    const followers = members(ctx).filter((id) => id !== leader && ctx.cluster.isRunning(id));
    if (leader === undefined || followers.length === 0) {
      ctx.event("membership: no leader or follower to remove");
      return async () => {};
    }
    const id = pick(followers, ctx.rand);
    try {
      await ctx.cluster.removeMember(id);
      ctx.removed.add(id);
    } catch (err) {
      ctx.event(`membership: removing node ${id} failed: ${(err as Error).message}`);
    }
    return async () => readdRemoved(ctx);
  },

  /** Restart a node (the leader half the time) with crash-before-fsync armed; crashes are restarted armed until the heal. */
  failpoint: async (ctx) => {
    const leader = await ctx.cluster.leader();
    const id = leader !== undefined && ctx.rand() < 0.5 ? leader : pick(members(ctx), ctx.rand);
    ctx.onCrash = (crashed) => {
      if (crashed !== id) return;
      void sleep(200).then(() => {
        if (ctx.onCrash && !ctx.cluster.isRunning(id)) return ctx.cluster.restart(id, { failpoint: FAILPOINT_PROBABILITY });
      });
    };
    await ctx.cluster.restart(id, { failpoint: FAILPOINT_PROBABILITY });
    return async () => {
      ctx.onCrash = undefined;
      await ctx.cluster.restart(id); // disarmed
    };
  },

  /** Slow links everywhere (mixed only): 20-150 ms per chunk with jitter. */
  delay: async (ctx) => {
    const ms = 20 + Math.floor(ctx.rand() * 130);
    ctx.cluster.setLinks({ kind: "delay", ms, jitterMs: Math.floor(ms / 2) });
    return healNetwork(ctx);
  },
};

/** Adds back every removed member (the heal of `membership`, and part of the final heal). */
export async function readdRemoved(ctx: FaultContext): Promise<void> {
  for (const id of [...ctx.removed]) {
    try {
      await ctx.cluster.addMember(id);
      ctx.removed.delete(id);
    } catch (err) {
      ctx.event(`membership: adding node ${id} back failed: ${(err as Error).message}`);
    }
  }
}

/** The fault for the next cycle of a nemesis (mixed: any of them, or slow links). */
export function nextFault(name: NemesisName, rand: () => number): { name: string; fault: Fault } {
  if (name !== "mixed") return { name, fault: FAULTS[name] };
  const names = Object.keys(FAULTS) as Array<keyof typeof FAULTS>;
  const chosen = names[Math.floor(rand() * names.length)];
  return { name: chosen, fault: FAULTS[chosen] };
}
