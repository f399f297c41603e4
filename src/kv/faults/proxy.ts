/**
 * A fault-injecting TCP proxy for one directed peer link (node i dials node j through it). Every byte of
 * the link, requests and replies, goes through here, so one call switches the link between:
 *
 *   pass              forward as is
 *   delay(ms, jitter) hold every chunk ms + [0, jitter) ms, keeping the order of each direction
 *   drop              blackhole: connections are accepted but nothing is forwarded either way, as if packets
 *                     vanished (the sender learns nothing until its own timeout)
 *   cut               destroy current connections and destroy new ones at once (peers see resets)
 *
 * A connection that lost bytes while dropping cannot go on (a byte stream with a hole in it is garbage),
 * so leaving `drop` destroys those connections; the peers reconnect, as after a real network outage.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";

export type ProxyMode = { kind: "pass" } | { kind: "delay"; ms: number; jitterMs: number } | { kind: "drop" } | { kind: "cut" };

/** One direction of a connection: chunks leave in order, each no earlier than its release time. */
class Pipe {
  private readonly queue: Array<{ at: number; chunk: Buffer | null }> = [];
  private timer?: NodeJS.Timeout;
  private last = 0;

  constructor(private readonly to: Socket) {}

  /** `chunk` null means end-of-stream, ordered behind the data before it. */
  push(chunk: Buffer | null, delayMs: number): void {
    const at = Math.max(Date.now() + delayMs, this.last);
    this.last = at;
    this.queue.push({ at, chunk });
    this.pump();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private pump(): void {
    clearTimeout(this.timer);
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0].at <= now) {
      const { chunk } = this.queue.shift()!;
      if (this.to.destroyed) continue;
      if (chunk === null) this.to.end();
      else this.to.write(chunk);
    }
    if (this.queue.length > 0) this.timer = setTimeout(() => this.pump(), this.queue[0].at - now);
  }
}

interface Conn {
  down: Socket; // the dialing side
  up: Socket; // towards the target
  /** Bytes were dropped on this connection: it must not carry traffic again. */
  holed: boolean;
  pipes: Pipe[];
}

export class LinkProxy {
  private mode: ProxyMode = { kind: "pass" };
  private readonly conns = new Set<Conn>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly targetPort: number,
    readonly targetHost: string,
  ) {}

  /** Listens on `listenPort` (0: any free port, see `port`) and forwards to targetHost:targetPort. */
  static async start(targetPort: number, listenPort = 0, host = "127.0.0.1"): Promise<LinkProxy> {
    // Half-open sockets let an end-of-stream travel behind delayed data instead of cutting it off.
    const server = createServer({ allowHalfOpen: true });
    const proxy = new LinkProxy(server, targetPort, host);
    server.on("connection", (s) => proxy.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listenPort, host, () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get current(): ProxyMode {
    return this.mode;
  }

  /** Connections currently open through the proxy (for tests). */
  get connections(): number {
    return this.conns.size;
  }

  heal(): void {
    this.set({ kind: "pass" });
  }

  delay(ms: number, jitterMs = 0): void {
    this.set({ kind: "delay", ms, jitterMs });
  }

  drop(): void {
    this.set({ kind: "drop" });
  }

  cut(): void {
    this.set({ kind: "cut" });
  }

  set(mode: ProxyMode): void {
    this.mode = mode;
    for (const c of [...this.conns]) if (mode.kind === "cut" || (mode.kind !== "drop" && c.holed)) this.destroy(c);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of [...this.conns]) this.destroy(c);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(down: Socket): void {
    if (this.closed || this.mode.kind === "cut") {
      down.destroy();
      return;
    }
    const up = connect({ port: this.targetPort, host: this.targetHost, allowHalfOpen: true });
    const c: Conn = { down, up, holed: false, pipes: [new Pipe(up), new Pipe(down)] };
    this.conns.add(c);
    const forward = (pipe: Pipe) => (chunk: Buffer | null) => {
      const m = this.mode;
      if (m.kind === "drop" || m.kind === "cut") {
        c.holed = true;
        return;
      }
      if (c.holed) return; // in flight while the mode changed; the connection is being destroyed
      pipe.push(chunk, m.kind === "delay" ? m.ms + Math.random() * m.jitterMs : 0);
    };
    const toUp = forward(c.pipes[0]);
    const toDown = forward(c.pipes[1]);
    down.on("data", toUp);
    up.on("data", toDown);
    down.on("end", () => toUp(null));
    up.on("end", () => toDown(null));
    const gone = () => this.destroy(c);
    down.on("error", gone);
    up.on("error", gone);
    const closed = () => {
      if (down.closed && up.closed) gone();
    };
    down.on("close", closed);
    up.on("close", closed);
  }

  private destroy(c: Conn): void {
    if (!this.conns.delete(c)) return;
    for (const p of c.pipes) p.clear();
    c.down.destroy();
    c.up.destroy();
  }
}
