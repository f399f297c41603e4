/**
 * Snapshot files between peers, on the peer port. The follower that must install a snapshot opens a
 * short-lived connection of its own to the sender (so the sender's message link is never held up by a
 * download), sends hello + SnapshotRequest{file}, and receives the file as SnapshotChunk frames and a
 * SnapshotEnd (or an Error frame). Both ends stream: neither holds the file in memory.
 */
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import { finished } from "node:stream/promises";
import { connect, type Socket } from "node:net";
import type { Writable } from "node:stream";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { encodeFrame, FrameDecoder, FrameError, FrameKind, helloFrame, jsonFrame, parseJson } from "./peer-frames";
import { isSnapshotFileName } from "./snapshot-descriptor";
import { peerHostPort } from "./transport";

const CHUNK_BYTES = 1 << 20;
/** A transfer that makes no progress for this long is abandoned (the leader will send the snapshot again). */
const IDLE_TIMEOUT_MS = 30_000;

/** Sender side: streams `file` from `dir` on `s` and ends the connection. Throws FrameError if it has no such file. */
export async function serveSnapshot(s: Socket, dir: string, file: unknown): Promise<void> {
  if (typeof file !== "string" || !isSnapshotFileName(file)) throw new FrameError(`bad snapshot file name ${JSON.stringify(file)}`);
  const input = createReadStream(join(dir, file), { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of input) {
      if (!s.write(encodeFrame(FrameKind.SnapshotChunk, chunk as Buffer))) await drained(s);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new FrameError(`no snapshot ${file}`);
    throw err;
  }
  if (s.destroyed) throw new Error("connection closed during the transfer");
  await new Promise<void>((resolve, reject) => {
    s.once("close", () => reject(new Error("connection closed before the end of the file")));
    s.end(encodeFrame(FrameKind.SnapshotEnd), () => resolve());
  });
}

export interface SnapshotSource {
  self: number;
  /** The node that has the file (the snapshot message's sender) and how this node reaches it. */
  peer: number;
  peerUrl: string;
  token?: string;
}

/** Follower side: fetches `file` into `dest`, which appears only when complete and its sha256 verified. */
export async function downloadSnapshot(src: SnapshotSource, file: string, sha256: string, dest: string, signal?: AbortSignal): Promise<void> {
  const what = `snapshot ${file} from node ${src.peer}`;
  const part = `${dest}.part`;
  const out = createWriteStream(part);
  const s = connect(peerHostPort(src.peerUrl));
  const fail = (err: Error) => s.destroy(err);
  out.on("error", fail);
  const abort = () => fail(new Error("aborted"));
  if (signal?.aborted) abort();
  signal?.addEventListener("abort", abort, { once: true });
  s.setNoDelay(true);
  s.setTimeout(IDLE_TIMEOUT_MS, () => fail(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
  let ok = false;
  try {
    s.write(helloFrame({ from: src.self, to: src.peer, token: src.token ?? "" }));
    s.write(jsonFrame(FrameKind.SnapshotRequest, { file }));
    const hash = createHash("sha256");
    const decoder = new FrameDecoder();
    let ended = false;
    for await (const chunk of s) {
      for (const f of decoder.push(chunk as Buffer)) {
        if (f.kind === FrameKind.SnapshotChunk) {
          hash.update(f.payload);
          if (!out.write(f.payload)) await drained(out);
        } else if (f.kind === FrameKind.SnapshotEnd) {
          ended = true;
        } else if (f.kind === FrameKind.Error) {
          throw new Error(`${what}: refused: ${String((parseJson(f) as { reason?: unknown })?.reason)}`);
        } else {
          throw new FrameError(`${what}: unexpected ${FrameKind[f.kind]} frame`);
        }
      }
      if (ended) break;
    }
    if (!ended) throw new Error(`${what}: connection closed before the end of the file`);
    out.end();
    await finished(out);
    const got = hash.digest("hex");
    if (got !== sha256) throw new Error(`${what}: sha256 ${got} does not match ${sha256}`);
    await fs.rename(part, dest);
    ok = true;
  } finally {
    signal?.removeEventListener("abort", abort);
    s.destroy();
    if (!ok) {
      out.destroy();
      await fs.rm(part, { force: true });
    }
  }
}

/** Resolves when `s` can take more data; rejects if it is or gets closed first. */
function drained(s: Writable): Promise<void> {
  if (s.destroyed) return Promise.reject(new Error("stream closed during the transfer"));
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      s.off("drain", onDrain);
      s.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error("stream closed during the transfer"));
    s.once("drain", onDrain);
    s.once("close", onClose);
  });
}
