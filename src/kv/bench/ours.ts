/** Our distributed LevelDB as a benchmark target: three `kv node` processes on loopback (fsync on). */
import { join, resolve } from "node:path";
import { KvClient } from "../client/kv-client";
import { nodeArgs } from "../cli/local-cluster";
import type { AddressMap } from "../server/addresses";
import { leaderControls, ProcessGroup } from "./processes";
import type { BenchTarget } from "./target";
import type { Timing } from "./etcd";

const CLI = resolve(__dirname, "../../../scripts/kv.ts");

export async function startOurs(dir: string, ports: number[], timing: Timing): Promise<BenchTarget> {
  const ids = [1, 2, 3];
  const members: AddressMap = {};
  for (const i of ids) members[i] = { peerUrl: `http://127.0.0.1:${ports[2 * (i - 1)]}`, clientUrl: `http://127.0.0.1:${ports[2 * (i - 1) + 1]}` };
  const group = new ProcessGroup();
  const tick = ["--tick-ms", String(timing.heartbeatMs), "--election-tick", String(Math.round(timing.electionMs / timing.heartbeatMs))];
  for (const i of ids) group.start(i, process.execPath, ["--import", "tsx", CLI, ...nodeArgs(i, dir, members), ...tick], join(dir, `node-${i}.log`));
  const endpoints = ids.map((i) => members[i].clientUrl);
  const client = new KvClient({ endpoints, deadlineMs: 30_000, attemptTimeoutMs: 2000 });
  const controls = leaderControls(group, ids, async (i) => (await client.status(members[i].clientUrl)).role === "leader", 60_000);
  await controls.waitForLeader();
  return {
    name: "ours",
    put: async (key, value) => void (await client.put(key, value)),
    probe: async (key) => void (await new KvClient({ endpoints, deadlineMs: 100, attemptTimeoutMs: 200 }).put(key, "x")),
    get: async (key) => (await client.get(key))?.toString(),
    killLeader: controls.killLeader,
    restartKilled: controls.restartKilled,
    stop: () => group.stopAll(),
  };
}
