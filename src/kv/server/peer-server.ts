/**
 * The peer port: a TCP server speaking peer-frames.ts. Every connection opens with a hello (shared token,
 * a known sender, meant for this node), then carries either
 *   - Messages frames: a peer's persistent link (transport.ts), each batch stepped into the replica as it
 *     arrives, nothing written back; or
 *   - one SnapshotRequest{file}: the file is streamed back (snapshot-transfer.ts) and the connection ends.
 * Anything wrong (bad hello, oversized or unknown frame, malformed message) closes that connection with
 * the reason logged and sent back in an Error frame. Connections are independent: a slow or broken peer
 * stalls only its own.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { Message } from "../raft";
import { checkHello, FrameDecoder, FrameError, FrameKind, jsonFrame, parseJson } from "./peer-frames";
import { serveSnapshot } from "./snapshot-transfer";

export interface PeerServerOptions {
  self: number;
  token?: string;
  /** Where snapshot files live (<dataDir>/snapshots). */
  snapDir: string;
  /** Whether `id` is a node this one has an address for (others may not connect). */
  known(id: number): boolean;
  receive(msgs: Message[]): void;
  /** A snapshot file transfer to `to` completed (ok) or failed. */
  snapshotServed(to: number, ok: boolean): void;
  log?(line: string): void;
}

/** A connection must identify itself this quickly. */
const HELLO_TIMEOUT_MS = 10_000;
/** A snapshot transfer whose reader takes nothing for this long is abandoned. */
const TRANSFER_IDLE_MS = 30_000;
/** The same complaint about the same caller is logged at most this often (a misconfigured peer redials). */
const LOG_EVERY_MS = 10_000;

export class PeerServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly lastLogged = new Map<string, number>();
  private closed = false;

  constructor(private readonly o: PeerServerOptions) {
    this.server = createServer((s) => this.accept(s));
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", (err: NodeJS.ErrnoException) =>
        reject(err.code === "EADDRINUSE" ? new Error(`port ${host}:${port} is already in use`) : err),
      );
      this.server.listen(port, host, () => resolve());
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.closed = true; // transfers cut short below must not report into a replica that is stopping
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => s.destroy()); // a reset from the peer: it redials
    s.setNoDelay(true);
    s.setTimeout(HELLO_TIMEOUT_MS, () => this.refuse(s, undefined, `no hello within ${HELLO_TIMEOUT_MS} ms`));
    const decoder = new FrameDecoder();
    let from: number | undefined;
    let serving = false;
    s.on("data", (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (from === undefined) {
            from = checkHello(f, this.o.self, this.o.token, this.o.known);
            s.setTimeout(0);
          } else if (f.kind === FrameKind.Messages && !serving) {
            const msgs = checkMessages(parseJson(f), this.o.self, from);
            if (!this.closed) this.o.receive(msgs);
          } else if (f.kind === FrameKind.SnapshotRequest && !serving) {
            serving = true;
            this.serve(s, from, (parseJson(f) as { file?: unknown } | null)?.file);
          } else {
            throw new FrameError(`unexpected ${FrameKind[f.kind]} frame`);
          }
        }
      } catch (err) {
        this.refuse(s, from, (err as Error).message);
      }
    });
  }

  private serve(s: Socket, to: number, file: unknown): void {
    s.setTimeout(TRANSFER_IDLE_MS, () => s.destroy(new Error(`snapshot transfer to node ${to} stalled`)));
    serveSnapshot(s, this.o.snapDir, file).then(
      () => {
        if (!this.closed) this.o.snapshotServed(to, true);
      },
      (err: Error) => {
        if (this.closed) return;
        this.o.snapshotServed(to, false);
        this.refuse(s, to, `snapshot transfer: ${err.message}`);
      },
    );
  }

  /** Logs why (rate-limited) and tells the peer, then closes. */
  private refuse(s: Socket, from: number | undefined, reason: string): void {
    const who = from === undefined ? `${s.remoteAddress}:${s.remotePort}` : `node ${from}`;
    const key = `${from ?? s.remoteAddress}:${reason}`;
    const now = Date.now();
    if (now - (this.lastLogged.get(key) ?? 0) >= LOG_EVERY_MS) {
      if (this.lastLogged.size > 1000) this.lastLogged.clear();
      this.lastLogged.set(key, now);
      this.o.log?.(`node ${this.o.self}: closing peer connection from ${who}: ${reason}`);
    }
    if (s.destroyed) return;
    s.removeAllListeners("data");
    s.write(jsonFrame(FrameKind.Error, { reason }));
    s.destroySoon();
  }
}

const TYPES = new Set(["preVote", "vote", "preVoteResp", "voteResp", "append", "appendResp", "heartbeat", "heartbeatResp", "snapshot", "timeoutNow", "readIndex", "readIndexResp"]);

/** Envelope check: the core trusts message shapes, so a peer must not feed it junk or speak for another node. */
export function checkMessages(x: unknown, self: number, from: number): Message[] {
  if (!Array.isArray(x)) throw new FrameError("expected a JSON array of Raft messages");
  for (const m of x as Array<Partial<Message> | null>) {
    if (m === null || typeof m !== "object" || !TYPES.has(String(m.type))) throw new FrameError("not a Raft message");
    if (!Number.isSafeInteger(m.term)) throw new FrameError("Raft message: bad term");
    if (m.from !== from) throw new FrameError(`Raft message from node ${String(m.from)} on node ${from}'s connection`);
    if (m.to !== self) throw new FrameError(`Raft message for node ${String(m.to)} delivered to node ${self}`);
  }
  return x as Message[];
}
