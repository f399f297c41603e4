/** A node process's servers: the client API and the peer API on their own ports, around one replica. */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { KvReplica, type ReplicaOptions } from "./replica";
import { clientHandler } from "./client-api";
import { peerHandler } from "./peer-api";

export interface ServerOptions extends ReplicaOptions {
  host?: string;
  clientPort: number;
  peerPort: number;
}

export class KvServer {
  private constructor(
    readonly replica: KvReplica,
    private readonly client: Server,
    private readonly peer: Server,
  ) {}

  static async start(opts: ServerOptions): Promise<KvServer> {
    const replica = await KvReplica.open(opts);
    const client = createServer(clientHandler(replica, opts.token));
    const peer = createServer(peerHandler(replica, join(opts.dataDir, "snapshots"), opts.token));
    try {
      await listen(peer, opts.peerPort, opts.host ?? "127.0.0.1");
      await listen(client, opts.clientPort, opts.host ?? "127.0.0.1");
    } catch (err) {
      peer.close();
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
    this.peer.closeAllConnections();
    await Promise.all([close(this.client), close(this.peer)]);
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
