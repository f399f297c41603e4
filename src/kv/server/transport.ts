/**
 * Peer transport over HTTP: Raft messages go as JSON arrays to POST {peerUrl}/raft/messages, one request in
 * flight per peer and everything queued meanwhile sent as the next batch (ordered per peer, naturally
 * batched under load). Failures are reported to the core (unreachable / snapshot failed) and dropped:
 * Raft tolerates lost messages and resends.
 */
import { createWriteStream, promises as fs } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createHash } from "node:crypto";
import type { Message } from "../raft";
import type { AddressBook } from "./addresses";

export interface TransportHooks {
  unreachable(to: number): void;
  snapshotDone(to: number, ok: boolean): void;
}

/** Most queued messages per peer; beyond it the oldest are dropped (a dead peer must not grow memory). */
const MAX_QUEUE = 4096;
const SEND_TIMEOUT_MS = 10_000;

export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export class PeerTransport {
  private readonly queues = new Map<number, Message[]>();
  private readonly busy = new Set<number>();
  private closed = false;

  constructor(
    private readonly self: number,
    private readonly book: AddressBook,
    private readonly hooks: TransportHooks,
    private readonly token?: string,
  ) {}

  send(msgs: Message[]): void {
    if (this.closed) return;
    for (const m of msgs) {
      if (m.to === this.self) continue;
      let q = this.queues.get(m.to);
      if (!q) this.queues.set(m.to, (q = []));
      q.push(m);
      if (q.length > MAX_QUEUE) q.splice(0, q.length - MAX_QUEUE);
    }
    for (const to of this.queues.keys()) void this.flush(to);
  }

  close(): void {
    this.closed = true;
    this.queues.clear();
  }

  private async flush(to: number): Promise<void> {
    if (this.busy.has(to)) return;
    const q = this.queues.get(to);
    if (!q || q.length === 0) return;
    this.busy.add(to);
    this.queues.set(to, []);
    const snaps = q.filter((m) => m.type === "snapshot").length;
    let ok = false;
    try {
      const addr = this.book.get(to);
      if (!addr) throw new Error(`no address for node ${to}`);
      // A snapshot message makes the receiver download the state first: allow it much longer.
      const timeout = snaps > 0 ? 10 * 60_000 : SEND_TIMEOUT_MS;
      const res = await fetch(`${addr.peerUrl}/raft/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", ...authHeaders(this.token) },
        body: JSON.stringify(q),
        signal: AbortSignal.timeout(timeout),
      });
      await res.arrayBuffer();
      ok = res.ok;
    } catch {
      ok = false;
    } finally {
      this.busy.delete(to);
    }
    if (this.closed) return;
    if (!ok) this.hooks.unreachable(to);
    if (snaps > 0) this.hooks.snapshotDone(to, ok);
    void this.flush(to);
  }
}

/**
 * Streams a snapshot file from a peer into `dest` and checks its sha256; the file appears under `dest`
 * only when complete and verified.
 */
export async function downloadSnapshot(
  peerUrl: string,
  name: string,
  sha256: string,
  dest: string,
  token?: string,
): Promise<void> {
  const res = await fetch(`${peerUrl}/raft/snapshot/${encodeURIComponent(name)}`, { headers: authHeaders(token) });
  if (!res.ok || !res.body) throw new Error(`snapshot ${name} from ${peerUrl}: HTTP ${res.status}`);
  const part = `${dest}.part`;
  const hash = createHash("sha256");
  const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
  body.on("data", (c: Buffer) => hash.update(c));
  await pipeline(body, createWriteStream(part));
  const got = hash.digest("hex");
  if (got !== sha256) {
    await fs.rm(part, { force: true });
    throw new Error(`snapshot ${name} from ${peerUrl}: sha256 ${got} does not match ${sha256}`);
  }
  await fs.rename(part, dest);
}
