/** In-process clusters of real KvServers on loopback for the server tests (fast ticks, temp dirs). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KvServer, type ServerOptions } from "../../../src/kv/server/server";
import type { AddressMap } from "../../../src/kv/server/addresses";
import { KvClient } from "../../../src/kv/client/kv-client";
import { freePorts } from "../../../src/util/ports";

export { freePorts };

export async function addressesFor(ids: number[]): Promise<AddressMap> {
  const ports = await freePorts(ids.length * 2);
  const m: AddressMap = {};
  ids.forEach((id, k) => (m[id] = { peerUrl: `http://127.0.0.1:${ports[2 * k]}`, clientUrl: `http://127.0.0.1:${ports[2 * k + 1]}` }));
  return m;
}

export class TestCluster {
  readonly servers = new Map<number, KvServer>();
  readonly dir = mkdtempSync(join(tmpdir(), "kv-cluster-"));

  constructor(
    readonly members: AddressMap,
    readonly extra: Partial<ServerOptions> = {},
  ) {}

  static async start(n: number, extra: Partial<ServerOptions> = {}): Promise<TestCluster> {
    const ids = Array.from({ length: n }, (_, k) => k + 1);
    const c = new TestCluster(await addressesFor(ids), extra);
    await Promise.all(ids.map((id) => c.startNode(id)));
    return c;
  }

  async startNode(id: number, join_ = false, addresses: AddressMap = this.members): Promise<KvServer> {
    const a = addresses[id];
    const ids = Object.keys(this.members).map(Number);
    const s = await KvServer.start({
      id,
      dataDir: join(this.dir, `node-${id}`),
      bootstrap: join_ ? { voters: [], learners: [] } : { voters: ids, learners: [] },
      addresses,
      peerPort: Number(new URL(a.peerUrl).port),
      clientPort: Number(new URL(a.clientUrl).port),
      tickMs: 20,
      requestTimeoutMs: 3000,
      ...this.extra,
    });
    this.servers.set(id, s);
    return s;
  }

  async stopNode(id: number): Promise<void> {
    await this.servers.get(id)?.stop();
    this.servers.delete(id);
  }

  client(ids = [...this.servers.keys()], token = this.extra.token): KvClient {
    return new KvClient({ endpoints: ids.map((id) => this.members[id].clientUrl), token, deadlineMs: 10_000 });
  }

  async leader(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const [id, s] of this.servers) if (s.replica.node.softState().role === "leader") return id;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("no leader elected");
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.stopNode(id)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
