/** A node process's servers: the client API (HTTP) and the peer protocol (TCP) on their own ports, around one replica. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dataPaths } from "./data-dir";
import { KvReplica, type ReplicaOptions } from "./replica";
import { clientHandler } from "./client-api";
import { PeerServer } from "./peer-server";

export interface ServerOptions extends ReplicaOptions {
  host?: string;
  clientPort: number;
  peerPort: number;
}

export class KvServer {
  private constructor(
    readonly replica: KvReplica,
    private readonly client: Server,
    private readonly peer: PeerServer,
  ) {}

  static async start(opts: ServerOptions): Promise<KvServer> {
    const replica = await KvReplica.open(opts);
    const client = createServer(clientHandler(replica, opts.token));
    const peer = new PeerServer({
      self: opts.id,
      token: opts.token,
      snapDir: dataPaths(opts.dataDir).snapshots,
      known: (id) => replica.book.get(id) !== undefined,
      receive: (msgs) => replica.receive(msgs),
      snapshotServed: (to, ok) => replica.reportSnapshot(to, ok),
      log: opts.log,
    });
    const host = opts.host ?? "127.0.0.1";
    try {
      await peer.listen(opts.peerPort, host);
      await listen(client, opts.clientPort, host);
    } catch (err) {
      await peer.close();
      client.close();
      await replica.stop();
      throw err;
    }
    replica.start();
    return new KvServer(replica, client, peer);
  }

  get clientPort(): number {
    return (this.client.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.client.closeAllConnections();
    await Promise.all([close(this.client), this.peer.close()]);
    await this.replica.stop();
  }
}

function listen(s: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`port ${host}:${port} is already in use`) : err),
    );
    s.listen(port, host, () => resolve());
  });
}

function close(s: Server): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}
