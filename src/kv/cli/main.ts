/**
 * The `kv` command line (run as `npm run kv -- <command>`): start nodes or a local cluster, read and write
 * keys, show cluster status, change membership.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../../errors";
import { KvClient, KvError } from "../client/kv-client";
import { KvServer } from "../server/server";
import type { AddressMap } from "../server/addresses";
import { CLUSTER_FILE, runLocalCluster } from "./local-cluster";
import { DEFAULT_LAYOUT, layoutMembers, parseMembers } from "./members";

const USAGE = `usage: npm run kv -- <command> [options]

  cluster [--nodes 3|5] [--data DIR] [--peer-base 7000] [--client-base 7100] [--token T]
                                 start a local cluster (one process per node) and keep it running
  node --id N --members LIST [--data DIR] [--join] [--host H] [--token T] [--snapshot-every N]
       [--tick-ms 50] [--election-tick 10]
                                 run one node; LIST is id=host:peerPort:clientPort,...; elections
                                 start after electionTick..2*electionTick ticks without a leader
  put KEY VALUE | get KEY [--serializable] | del KEY
  scan [PREFIX] [--limit N] [--reverse]
  watch [PREFIX] [--from REV]    print changes until Ctrl-C
  status                         leader, terms, commit and apply indexes per node
  member add ID --peer-url URL --client-url URL [--learner] | member remove ID
  kill-leader                    SIGKILL the leader's process (local clusters; for trying fail-over)

  Client commands find the cluster through --endpoints URL,URL..., $KV_ENDPOINTS, or ./kv-data/cluster.json,
  and send --token / $KV_TOKEN when the cluster requires one.`;

const OPTIONS = {
  nodes: { type: "string" },
  data: { type: "string" },
  id: { type: "string" },
  members: { type: "string" },
  join: { type: "boolean" },
  host: { type: "string" },
  token: { type: "string" },
  endpoints: { type: "string" },
  "peer-base": { type: "string" },
  "client-base": { type: "string" },
  "snapshot-every": { type: "string" },
  "tick-ms": { type: "string" },
  "election-tick": { type: "string" },
  serializable: { type: "boolean" },
  limit: { type: "string" },
  reverse: { type: "boolean" },
  from: { type: "string" },
  "peer-url": { type: "string" },
  "client-url": { type: "string" },
  learner: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new UserError(`${(err as Error).message}\n\n${USAGE}`);
  }
}

function int(name: string, v: string | undefined, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) throw new UserError(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UserError(`--${name} must be a non-negative integer, got ${v}`);
  return n;
}

export async function main(argv: string[], cliScript: string): Promise<void> {
  const { values: f, positionals } = parse(argv);
  const [cmd, ...args] = positionals;
  if (!cmd || f.help) {
    console.log(USAGE);
    return;
  }
  const token = f.token ?? process.env.KV_TOKEN;
  const dataDir = f.data ?? "kv-data";
  if (cmd === "cluster") {
    const layout = { host: DEFAULT_LAYOUT.host, peerBase: int("peer-base", f["peer-base"], 7000), clientBase: int("client-base", f["client-base"], 7100) };
    return runLocalCluster({ nodes: int("nodes", f.nodes, 3), dataDir, layout, token, cliScript });
  }
  if (cmd === "node") return runNode(f, token);
  const client = new KvClient({ endpoints: endpoints(f, dataDir), token });
  try {
    await clientCommand(client, cmd, args, f);
  } catch (err) {
    if (err instanceof KvError) throw new UserError(err.message);
    throw err;
  }
}

async function runNode(f: Flags, token: string | undefined): Promise<void> {
  const id = int("id", f.id);
  if (!f.members) throw new UserError("--members is required (id=host:peerPort:clientPort,...)");
  const members = parseMembers(f.members);
  const self = members[id];
  if (!self) throw new UserError(`--members does not list node ${id}`);
  const ids = Object.keys(members).map(Number);
  const bootstrap = f.join ? { voters: [], learners: [] } : { voters: ids, learners: [] };
  const server = await KvServer.start({
    id,
    dataDir: resolve(f.data ?? join("kv-data", `node-${id}`)),
    bootstrap,
    addresses: members,
    token,
    host: f.host ?? new URL(self.clientUrl).hostname,
    peerPort: Number(new URL(self.peerUrl).port),
    clientPort: Number(new URL(self.clientUrl).port),
    snapshotEvery: f["snapshot-every"] ? int("snapshot-every", f["snapshot-every"]) : undefined,
    tickMs: f["tick-ms"] ? int("tick-ms", f["tick-ms"]) : undefined,
    electionTick: f["election-tick"] ? int("election-tick", f["election-tick"]) : undefined,
    log: (line) => console.log(line),
    crashBeforeFsync: process.env.KV_FAILPOINT_CRASH_BEFORE_FSYNC ? Number(process.env.KV_FAILPOINT_CRASH_BEFORE_FSYNC) : undefined,
  });
  console.log(`node ${id} serving clients on ${self.clientUrl}, peers on ${self.peerUrl}${token ? " (token required)" : ""}`);
  let last = "";
  const report = setInterval(() => {
    const s = server.replica.status();
    const line = `role ${String(s.role)}, term ${String(s.term)}, leader ${String(s.lead)}`;
    if (line !== last) console.log(line);
    last = line;
  }, 250);
  await new Promise<void>((done) => {
    const stop = () => {
      clearInterval(report);
      void server.stop().then(done);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

function endpoints(f: Flags, dataDir: string): string[] {
  const list = f.endpoints ?? process.env.KV_ENDPOINTS;
  if (list) return list.split(",").map((s) => s.trim()).filter(Boolean);
  const file = join(dataDir, CLUSTER_FILE);
  if (existsSync(file)) {
    const members = (JSON.parse(readFileSync(file, "utf8")) as { members: AddressMap }).members;
    return Object.values(members).map((m) => m.clientUrl);
  }
  return Object.values(layoutMembers([1, 2, 3], DEFAULT_LAYOUT)).map((m) => m.clientUrl);
}

async function clientCommand(c: KvClient, cmd: string, args: string[], f: Flags): Promise<void> {
  const need = (n: number, what: string) => {
    if (args.length !== n) throw new UserError(`${cmd} takes ${what}\n\n${USAGE}`);
  };
  switch (cmd) {
    case "put": {
      need(2, "KEY VALUE");
      const r = await c.put(args[0], args[1]);
      return console.log(`OK (revision ${r.revision})`);
    }
    case "get": {
      need(1, "KEY");
      const v = await c.get(args[0], { serializable: f.serializable });
      if (v === undefined) throw new UserError(`key not found: ${args[0]}`);
      return console.log(v.toString("utf8"));
    }
    case "del": {
      need(1, "KEY");
      const r = await c.del(args[0]);
      return console.log(`${r.deleted ? "deleted" : "no such key"} (revision ${r.revision})`);
    }
    case "scan": {
      const rows = await c.scan({ prefix: args[0], limit: f.limit ? int("limit", f.limit) : undefined, reverse: f.reverse });
      for (const r of rows) console.log(`${r.key.toString("utf8")}\t${r.value.toString("utf8")}`);
      return console.error(`(${rows.length} keys)`);
    }
    case "watch": {
      await c.watch(args[0] ?? "", (evs) => {
        for (const e of evs) console.log(`${e.revision}\t${e.type}\t${Buffer.from(e.key, "base64").toString()}${e.value !== undefined ? `\t${Buffer.from(e.value, "base64").toString()}` : ""}`);
      }, { from: f.from ? int("from", f.from) : undefined, onError: (e) => console.error(`watch ended: ${e.message}`) });
      console.error("watching; Ctrl-C to stop");
      return new Promise(() => {});
    }
    case "status":
      return printStatus(c);
    case "member": {
      const [sub, idText] = args;
      const id = int("ID", idText);
      if (sub === "add") {
        if (!f["peer-url"] || !f["client-url"]) throw new UserError("member add needs --peer-url and --client-url");
        const r = await c.addMember(id, f["peer-url"], f["client-url"], f.learner);
        return console.log(`node ${id} added as ${f.learner ? "learner" : "voter"} at index ${r.index}; start it with --join`);
      }
      if (sub === "remove") {
        const r = await c.removeMember(id);
        return console.log(`node ${id} removed at index ${r.index}`);
      }
      throw new UserError("member takes add or remove");
    }
    case "kill-leader":
      return killLeader(c);
    default:
      throw new UserError(`unknown command ${cmd}\n\n${USAGE}`);
  }
}

/** Status of every node: the endpoints given plus any member a reachable node knows of. */
async function statuses(c: KvClient): Promise<Array<{ endpoint: string; s?: Record<string, unknown>; error?: string }>> {
  const ask = async (endpoint: string) => {
    try {
      return { endpoint, s: await c.status(endpoint) };
    } catch (err) {
      return { endpoint, error: (err as Error).message };
    }
  };
  const first = await Promise.all(c.knownEndpoints.map(ask));
  const seen = new Set(c.knownEndpoints);
  const more = first.flatMap((r) => Object.values((r.s?.members ?? {}) as AddressMap).map((m) => m.clientUrl)).filter((u) => !seen.has(u));
  const rest = await Promise.all([...new Set(more)].map(ask));
  return [...first, ...rest].sort((a, b) => Number(a.s?.id ?? 1e9) - Number(b.s?.id ?? 1e9));
}

async function printStatus(c: KvClient): Promise<void> {
  const rows = await statuses(c);
  console.log("node  role        term  leader  commit  applied  revision  endpoint");
  for (const { endpoint, s, error } of rows) {
    if (!s) {
      console.log(`  ?   unreachable                                        ${endpoint} (${error})`);
      continue;
    }
    const cols = [String(s.id).padStart(4), String(s.role).padEnd(10), String(s.term).padStart(5), String(s.lead).padStart(7), String(s.commit).padStart(7), String(s.applied).padStart(8), String(s.revision).padStart(9)];
    console.log(`${cols.join(" ")}  ${endpoint}`);
  }
}

async function killLeader(c: KvClient): Promise<void> {
  const leader = (await statuses(c)).find((r) => r.s?.role === "leader")?.s;
  if (!leader) throw new UserError("no leader found");
  process.kill(Number(leader.pid), "SIGKILL");
  console.log(`killed node ${String(leader.id)} (pid ${String(leader.pid)}); the others elect a new leader within ~2 s`);
}
