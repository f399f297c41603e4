/**
 * Outbound peer traffic: one persistent TCP connection per directed link (this node dials each peer it
 * sends to; the peer's messages to us travel on its own connection to us), carrying the frames of
 * peer-frames.ts. Messages are written the moment they are queued and never wait for a reply; whatever
 * queued up while the socket was busy goes out as one frame when it drains (batching under load, order
 * kept per link). A lost connection is redialled with backoff; meanwhile messages queue (bounded, oldest
 * dropped) and the core hears the peer is unreachable. Raft tolerates the losses and resends.
 */
import { connect, type Socket } from "node:net";
import type { Message } from "../raft";
import type { AddressBook } from "./addresses";
import { encodeFrame, FrameDecoder, FrameKind, helloFrame, MAX_FRAME_BYTES, parseJson } from "./peer-frames";

export interface TransportHooks {
  unreachable(to: number): void;
  /** A snapshot message could not be delivered (the file transfer itself reports from peer-server.ts). */
  snapshotDone(to: number, ok: boolean): void;
  log?(line: string): void;
}

/** Most queued messages per peer; beyond it the oldest are dropped (a dead peer must not grow memory). */
const MAX_QUEUE = 4096;
/** A flush is cut into frames of about this size, well under the receiver's limit. */
const FRAME_TARGET_BYTES = 4 << 20;
const BACKOFF_MIN_MS = 10;
const BACKOFF_MAX_MS = 500;
const CONNECT_TIMEOUT_MS = 3000;
/** A connection that lasted this long was healthy: the next redial starts again from the minimum backoff. */
const HEALTHY_MS = 1000;

/** host and port of a peer URL (http://host:port, the form addresses.ts keeps). */
export function peerHostPort(peerUrl: string): { host: string; port: number } {
  const u = new URL(peerUrl);
  return { host: u.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(u.port || 80) };
}

export class PeerTransport {
  private readonly links = new Map<number, PeerLink>();
  private closed = false;

  constructor(
    private readonly self: number,
    private readonly book: AddressBook,
    private readonly hooks: TransportHooks,
    private readonly token?: string,
  ) {}

  send(msgs: Message[]): void {
    if (this.closed) return;
    const byPeer = new Map<number, Message[]>();
    for (const m of msgs) {
      if (m.to === this.self) continue;
      const list = byPeer.get(m.to);
      if (list) list.push(m);
      else byPeer.set(m.to, [m]);
    }
    for (const [to, list] of byPeer) {
      let link = this.links.get(to);
      if (!link) this.links.set(to, (link = new PeerLink(this.self, to, this.book, this.hooks, this.token)));
      link.send(list);
    }
  }

  close(): void {
    this.closed = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }
}

/** The connection from this node to one peer, redialled as needed. */
class PeerLink {
  private queue: Message[] = [];
  private socket?: Socket;
  private connected = false;
  private retry?: NodeJS.Timeout;
  private backoffMs = BACKOFF_MIN_MS;
  private connectedAt = 0;
  /** A snapshot message went out on the current connection: if it breaks, that one may be lost. */
  private snapshotSent = false;
  /** Last problem logged, so a peer that stays down is reported once, not at every redial. */
  private lastLogged = "";
  private closed = false;

  constructor(
    private readonly self: number,
    private readonly to: number,
    private readonly book: AddressBook,
    private readonly hooks: TransportHooks,
    private readonly token?: string,
  ) {}

  send(msgs: Message[]): void {
    this.queue.push(...msgs);
    if (this.queue.length > MAX_QUEUE) this.drop(this.queue.splice(0, this.queue.length - MAX_QUEUE));
    if (this.connected) this.flush();
    else if (!this.socket && !this.retry) this.dial();
    else if (this.retry) this.hooks.unreachable(this.to);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.socket?.destroy();
    this.queue = [];
  }

  private dial(): void {
    const peerUrl = this.book.get(this.to)?.peerUrl;
    if (!peerUrl) return this.lost(undefined, `no address for node ${this.to}`);
    const s = connect(peerHostPort(peerUrl));
    this.socket = s;
    s.setNoDelay(true);
    s.setKeepAlive(true, 5000); // a peer host that vanished without a reset is noticed in seconds
    s.setTimeout(CONNECT_TIMEOUT_MS, () => s.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)));
    s.on("connect", () => {
      s.setTimeout(0);
      this.connected = true;
      this.connectedAt = Date.now();
      s.write(helloFrame({ from: this.self, to: this.to, token: this.token ?? "" }));
      this.flush();
    });
    s.on("drain", () => this.flush());
    // The peer writes on this connection only to say why it is closing it.
    const decoder = new FrameDecoder();
    let reason = "";
    s.on("data", (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) if (f.kind === FrameKind.Error) reason = `refused: ${String((parseJson(f) as { reason?: unknown })?.reason)}`;
      } catch (err) {
        s.destroy(err as Error);
      }
    });
    s.on("error", (err) => (reason ||= err.message));
    s.on("close", () => this.lost(s, reason || "connection closed"));
  }

  /** Writes everything queued, unless the socket still has a backlog (then 'drain' calls again). */
  private flush(): void {
    const s = this.socket;
    if (!this.connected || !s || s.writableNeedDrain || this.queue.length === 0) return;
    const msgs = this.queue;
    this.queue = [];
    const frames = toFrames(msgs, (m) => {
      this.hooks.log?.(`node ${this.self}: dropped a ${m.type} message to node ${this.to}: larger than ${MAX_FRAME_BYTES} bytes`);
      this.drop([m]);
    });
    if (msgs.some((m) => m.type === "snapshot")) this.snapshotSent = true;
    if (frames.length > 1) s.cork();
    for (const f of frames) s.write(f);
    if (frames.length > 1) s.uncork();
  }

  private lost(s: Socket | undefined, reason: string): void {
    if (s !== this.socket || this.closed) return;
    const lasted = this.connected ? Date.now() - this.connectedAt : 0;
    this.socket = undefined;
    this.connected = false;
    if (lasted >= HEALTHY_MS) {
      this.backoffMs = BACKOFF_MIN_MS;
      this.lastLogged = "";
    }
    if (reason !== this.lastLogged) this.hooks.log?.(`node ${this.self}: link to node ${this.to}: ${reason}; redialling`);
    this.lastLogged = reason;
    this.hooks.unreachable(this.to);
    if (this.snapshotSent) this.hooks.snapshotDone(this.to, false);
    this.snapshotSent = false;
    // Jittered so that links cut at once do not redial in lockstep.
    const wait = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.queue.length > 0) this.dial();
    }, wait);
  }

  private drop(msgs: Message[]): void {
    this.hooks.unreachable(this.to);
    if (msgs.some((m) => m.type === "snapshot")) this.hooks.snapshotDone(this.to, false);
  }
}

/** Messages as JSON-array frames of about FRAME_TARGET_BYTES; a message too large for any frame is passed to `tooLarge`. */
function toFrames(msgs: Message[], tooLarge: (m: Message) => void): Buffer[] {
  const frames: Buffer[] = [];
  let parts: string[] = [];
  let bytes = 0;
  const cut = () => {
    if (parts.length > 0) frames.push(encodeFrame(FrameKind.Messages, `[${parts.join(",")}]`));
    parts = [];
    bytes = 0;
  };
  for (const m of msgs) {
    const json = JSON.stringify(m);
    const n = Buffer.byteLength(json) + 1;
    if (n + 2 > MAX_FRAME_BYTES) {
      tooLarge(m);
      continue;
    }
    if (bytes + n > FRAME_TARGET_BYTES) cut();
    parts.push(json);
    bytes += n;
  }
  cut();
  return frames;
}
