/**
 * The peer protocol's framing: every frame is [u32 big-endian payload length][u8 kind][payload], on plain
 * TCP to the peer port. The first frame on every connection is a hello (sender id, the id it means to
 * reach, the shared token); see peer-server.ts for what follows it.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export enum FrameKind {
  /** {from, to, token}: who is calling whom; the receiver closes the connection unless it checks out. */
  Hello = 1,
  /** A JSON array of Raft messages, all for the receiver. */
  Messages = 2,
  /** {file}: please stream this snapshot file (a short-lived connection of its own). */
  SnapshotRequest = 3,
  /** Raw bytes of the requested snapshot file, in order. */
  SnapshotChunk = 4,
  /** The snapshot file is complete (empty payload). */
  SnapshotEnd = 5,
  /** {reason}: the sender gives up on this connection (bad hello, missing file, ...) and closes it. */
  Error = 6,
}

const KINDS = new Set<number>(Object.values(FrameKind).filter((v): v is number => typeof v === "number"));

export const HEADER_BYTES = 5;
/** Largest payload accepted; a bigger announced length means a broken or hostile peer. */
export const MAX_FRAME_BYTES = 64 << 20;

export class FrameError extends Error {}

export interface Frame {
  kind: FrameKind;
  payload: Buffer;
}

export function encodeFrame(kind: FrameKind, payload: Buffer | string = ""): Buffer {
  const n = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + n);
  buf.writeUInt32BE(n, 0);
  buf[4] = kind;
  if (typeof payload === "string") buf.write(payload, HEADER_BYTES, "utf8");
  else payload.copy(buf, HEADER_BYTES);
  return buf;
}

export const jsonFrame = (kind: FrameKind, body: unknown): Buffer => encodeFrame(kind, JSON.stringify(body));

/**
 * Cuts a byte stream into frames, whatever the chunking. A bad header (oversized length, unknown kind)
 * throws as soon as its 5 bytes are in, before any of the announced payload is buffered. Chunks are joined
 * at most once per frame, so a large frame arriving in many small chunks costs one copy.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.size >= HEADER_BYTES) {
      const head = this.chunks[0].length >= HEADER_BYTES ? this.chunks[0] : this.join();
      const len = head.readUInt32BE(0);
      const kind = head[4];
      if (len > this.maxBytes) throw new FrameError(`frame of ${len} bytes exceeds the limit of ${this.maxBytes}`);
      if (!KINDS.has(kind)) throw new FrameError(`unknown frame kind ${kind}`);
      const total = HEADER_BYTES + len;
      if (this.size < total) break;
      const buf = this.chunks[0].length >= total ? this.chunks[0] : this.join();
      frames.push({ kind, payload: buf.subarray(HEADER_BYTES, total) });
      if (buf.length > total) this.chunks[0] = buf.subarray(total);
      else this.chunks.shift();
      this.size -= total;
    }
    return frames;
  }

  private join(): Buffer {
    const all = Buffer.concat(this.chunks, this.size);
    this.chunks = [all];
    return all;
  }
}

export function parseJson(f: Frame): unknown {
  try {
    return JSON.parse(f.payload.toString("utf8"));
  } catch (err) {
    throw new FrameError(`${FrameKind[f.kind]} frame is not valid JSON: ${(err as Error).message}`);
  }
}

export interface Hello {
  from: number;
  to: number;
  token: string;
}

export const helloFrame = (h: Hello): Buffer => jsonFrame(FrameKind.Hello, h);

/** Checks a connection's first frame; returns the caller's id or throws a FrameError with the reason. */
export function checkHello(f: Frame, self: number, token: string | undefined, known: (id: number) => boolean): number {
  if (f.kind !== FrameKind.Hello) throw new FrameError(`expected a hello frame first, got ${FrameKind[f.kind]}`);
  const h = parseJson(f) as Partial<Hello> | null;
  if (h === null || typeof h !== "object") throw new FrameError("hello is not an object");
  const from = h.from;
  if (typeof from !== "number" || !Number.isSafeInteger(from) || from <= 0) throw new FrameError(`hello: bad sender id ${String(from)}`);
  if (h.to !== self) throw new FrameError(`hello from node ${from} is meant for node ${String(h.to)}, this is node ${self}`);
  if (from === self || !known(from)) throw new FrameError(`hello from unknown node ${from}`);
  if (token && !tokenMatches(typeof h.token === "string" ? h.token : "", token)) throw new FrameError(`hello from node ${from}: wrong token`);
  return from;
}

/** Constant-time comparison; hashing first makes the lengths equal, so not even the length leaks. */
export function tokenMatches(given: string, want: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(want));
}
