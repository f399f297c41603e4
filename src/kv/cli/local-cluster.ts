/**
 * `kv cluster`: a local cluster of 3 or 5 node processes on loopback, one OS process per node so that
 * killing the leader is real. Output of each node is prefixed with its id; Ctrl-C stops them all.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../../errors";
import type { AddressMap } from "../server/addresses";
import { KvClient } from "../client/kv-client";
import { formatMembers, layoutMembers, type LocalLayout } from "./members";

export interface LocalClusterOptions {
  nodes: number;
  dataDir: string;
  layout: LocalLayout;
  token?: string;
  /** Script that runs the CLI (scripts/kv.ts), started with `node --import tsx`. */
  cliScript: string;
}

export const CLUSTER_FILE = "cluster.json";

export function nodeArgs(id: number, dataDir: string, members: AddressMap, token?: string, join_ = false): string[] {
  const args = ["node", "--id", String(id), "--data", join(dataDir, `node-${id}`), "--members", formatMembers(members)];
  if (token) args.push("--token", token);
  if (join_) args.push("--join");
  return args;
}

export async function runLocalCluster(o: LocalClusterOptions): Promise<void> {
  if (o.nodes !== 3 && o.nodes !== 5) throw new UserError(`--nodes must be 3 or 5, got ${o.nodes}`);
  const ids = Array.from({ length: o.nodes }, (_, k) => k + 1);
  const members = layoutMembers(ids, o.layout);
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, CLUSTER_FILE), JSON.stringify({ members, token: o.token ? "<set>" : undefined }, null, 2) + "\n");
  const children = new Map<number, ChildProcess>();
  let stopping = false;
  for (const id of ids) {
    const child = spawn(process.execPath, ["--import", "tsx", o.cliScript, ...nodeArgs(id, dataDir, members, o.token)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.set(id, child);
    const prefix = (buf: Buffer) => buf.toString().trimEnd().split("\n").map((l) => `[node ${id}] ${l}`).join("\n");
    child.stdout?.on("data", (b: Buffer) => console.log(prefix(b)));
    child.stderr?.on("data", (b: Buffer) => console.error(prefix(b)));
    child.on("exit", (code, signal) => {
      children.delete(id);
      if (stopping) return;
      console.log(`[cluster] node ${id} exited (${signal ?? `code ${code}`}); the others carry on.`);
      console.log(`[cluster] restart it with: npm run kv -- ${nodeArgs(id, dataDir, members, o.token ? "$KV_TOKEN" : undefined).join(" ")}`);
    });
  }
  const stop = () => {
    stopping = true;
    console.log("\n[cluster] stopping all nodes");
    for (const c of children.values()) c.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const endpoints = ids.map((id) => members[id].clientUrl);
  const leader = await waitForLeader(new KvClient({ endpoints, token: o.token }), endpoints, 30_000);
  console.log(`[cluster] ${o.nodes} nodes up; leader is node ${leader}. Data in ${dataDir}`);
  console.log(`[cluster] clients: ${endpoints.join(" ")}`);
  console.log(`[cluster] try:  npm run kv -- put hello world   |   npm run kv -- get hello   |   npm run kv -- status`);
  console.log(`[cluster]       npm run kv -- kill-leader   (then write again: a new leader takes over)`);
  await new Promise<void>((done) => {
    const check = setInterval(() => {
      if (children.size === 0) {
        clearInterval(check);
        done();
      }
    }, 200);
  });
}

export async function waitForLeader(client: KvClient, endpoints: string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const e of endpoints) {
      try {
        const s = await client.status(e);
        if (s.role === "leader") return Number(s.id);
      } catch {
        // not up yet
      }
    }
    await sleep(200);
  }
  throw new UserError(`no leader elected within ${timeoutMs / 1000} s; see the node output above`);
}
