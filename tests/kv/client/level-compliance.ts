/**
 * abstract-level's compliance suite against RaftLevel: a tape program (TAP on stdout), run by
 * level-adapter.test.ts as `node --import tsx tests/kv/client/level-compliance.ts`.
 *
 * KV_COMPLIANCE_BACKEND picks the KvApi behind each fresh database:
 * - `memory` (default): tests/kv/client/memory-kv.ts;
 * - `local`: LocalKv (src/kv/store/local-kv.ts), the state machine embedded, in a fresh temporary folder per
 *   database.
 * - `cluster`: a real 3-node cluster on loopback started in this process, one key prefix per database.
 * KV_COMPLIANCE_PAGE_SIZE sets the iterators' page size (default: a small one, to exercise paging).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "tape";
import type { KvApi, ReadOptions } from "../../../src/kv/client/kv-api";
import type { Command, RangeQuery, RangeResult, WriteResult } from "../../../src/kv/commands";
import { RaftLevel, type RaftLevelOptions } from "../../../src/kv/client/level-adapter";
import { MemoryKv } from "./memory-kv";
import { PrefixKv } from "./prefix-kv";

// abstract-level ships its suite as untyped JavaScript.
const suite = require("abstract-level/test") as (options: { test: typeof test; factory: (opts?: object) => unknown }) => void;

const backend = process.env.KV_COMPLIANCE_BACKEND ?? "memory";
const pageSize = Number(process.env.KV_COMPLIANCE_PAGE_SIZE ?? 3);

/**
 * A KvApi opened on first use and re-opened after close(): LocalKv opens asynchronously while the
 * suite's factory is synchronous, and the suite closes and re-opens databases, expecting their data.
 */
class ReopeningKv implements KvApi {
  private kv: Promise<KvApi> | undefined;
  constructor(private readonly open: () => Promise<KvApi>) {}
  private get(): Promise<KvApi> {
    return (this.kv ??= this.open());
  }
  async write(cmd: Command): Promise<WriteResult> {
    return (await this.get()).write(cmd);
  }
  async range(q: RangeQuery, opts?: ReadOptions): Promise<RangeResult> {
    return (await this.get()).range(q, opts);
  }
  async close(): Promise<void> {
    const kv = this.kv;
    this.kv = undefined;
    if (kv) await (await kv).close();
  }
}

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function makeDb(opts?: object): RaftLevel {
  const options = { ...(opts as RaftLevelOptions<string, string>), pageSize };
  switch (backend) {
    case "memory":
      // MemoryKv cannot be re-opened, and the suite re-opens closed databases: keep it open.
      return new RaftLevel(new MemoryKv(), options);
    case "local": {
      // Loaded lazily, so the memory backend runs whatever state src/kv/store is in.
      const { LocalKv } = require("../../../src/kv/store/local-kv") as typeof import("../../../src/kv/store/local-kv");
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "level-compliance-"));
      tempDirs.push(dir);
      // Closing the database closes the store (freeing its LevelDB); re-opening reads the same folder.
      return new RaftLevel(new ReopeningKv(() => LocalKv.open(dir)), { ...options, closeKv: true });
    }
    case "cluster":
      // One real 3-node cluster on loopback (HTTP, Raft, ReadIndex reads); each database is a key prefix.
      return new RaftLevel(new PrefixKv(sharedCluster, `db${++databases}/`), options);
    default:
      throw new Error(`KV_COMPLIANCE_BACKEND must be memory, local or cluster, got ${backend}`);
  }
}

let databases = 0;
let cluster: Promise<{ client: KvApi; close(): Promise<void> }> | undefined;
function sharedCluster(): Promise<KvApi> {
  cluster ??= (async () => {
    const { TestCluster } = require("../server/support") as typeof import("../server/support");
    const c = await TestCluster.start(3);
    await c.leader();
    return { client: c.client(), close: () => c.close() };
  })();
  return cluster.then((c) => c.client);
}
test.onFinish(() => void cluster?.then((c) => c.close()));

suite({ test, factory: makeDb });
