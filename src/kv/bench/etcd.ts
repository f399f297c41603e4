/**
 * etcd 3.4 (Debian's etcd-server) as a benchmark target: three members on loopback, fsync on (its
 * default), talked to through its HTTP/JSON gateway so both stores pay the same HTTP/1.1 + JSON costs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../errors";
import { leaderControls, ProcessGroup } from "./processes";
import type { BenchTarget } from "./target";

const b64 = (s: string) => Buffer.from(s).toString("base64");

export function etcdVersion(): string | undefined {
  try {
    return /etcd Version: (\S+)/.exec(execFileSync("etcd", ["--version"], { encoding: "utf8" }))?.[1];
  } catch {
    return undefined;
  }
}

export interface Timing {
  heartbeatMs: number;
  electionMs: number;
}

export async function startEtcd(dir: string, ports: number[], timing: Timing): Promise<BenchTarget> {
  if (!etcdVersion()) throw new UserError("etcd is not installed (Debian package etcd-server; scripts/setup.sh installs it)");
  const ids = [1, 2, 3];
  const peer = (i: number) => `http://127.0.0.1:${ports[2 * (i - 1)]}`;
  const client = (i: number) => `http://127.0.0.1:${ports[2 * (i - 1) + 1]}`;
  const initial = ids.map((i) => `n${i}=${peer(i)}`).join(",");
  const group = new ProcessGroup();
  for (const i of ids) {
    mkdirSync(join(dir, `etcd-${i}`), { recursive: true });
    group.start(i, "etcd", [
      "--name", `n${i}`, "--data-dir", join(dir, `etcd-${i}`, "data"),
      "--listen-client-urls", client(i), "--advertise-client-urls", client(i),
      "--listen-peer-urls", peer(i), "--initial-advertise-peer-urls", peer(i),
      "--initial-cluster", initial, "--initial-cluster-token", "bench", "--initial-cluster-state", "new",
      "--heartbeat-interval", String(timing.heartbeatMs), "--election-timeout", String(timing.electionMs),
      "--log-level", "error", "--logger", "zap",
    ], join(dir, `etcd-${i}.log`));
  }
  let current = 0;
  const call = async (path: string, body: unknown, timeoutMs = 2000, attempts = 200): Promise<Record<string, unknown>> => {
    for (let attempt = 1; ; attempt++) {
      const i = ids[current];
      try {
        const res = await fetch(`${client(i)}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
        if (res.ok) return (await res.json()) as Record<string, unknown>;
        throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
      } catch (err) {
        current = (current + 1) % ids.length; // etcd forwards to its leader: any live member will do
        if (attempt >= attempts) throw err;
        await sleep(10);
      }
    }
  };
  const isLeader = async (i: number) => {
    const res = await fetch(`${client(i)}/v3/maintenance/status`, { method: "POST", body: "{}", signal: AbortSignal.timeout(1000) });
    const s = (await res.json()) as { header: { member_id: string }; leader: string };
    return s.header.member_id === s.leader;
  };
  const controls = leaderControls(group, ids, isLeader, 30_000);
  await controls.waitForLeader();
  return {
    name: "etcd",
    put: async (key, value) => void (await call("/v3/kv/put", { key: b64(key), value: b64(value) })),
    probe: async (key) => void (await call("/v3/kv/put", { key: b64(key), value: b64("x") }, 200, 1)),
    get: async (key) => {
      const r = (await call("/v3/kv/range", { key: b64(key) })) as { kvs?: Array<{ value: string }> };
      return r.kvs?.[0] ? Buffer.from(r.kvs[0].value, "base64").toString() : undefined;
    },
    killLeader: controls.killLeader,
    restartKilled: controls.restartKilled,
    stop: () => group.stopAll(),
  };
}
