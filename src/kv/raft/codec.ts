/** Payload encoding: entries and snapshots carry strings, so binary data travels base64-encoded. */
import { UserError } from "../../errors";
import type { Entry } from "./types";

export function encodeData(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeData(data: string): Uint8Array {
  if (data.length % 4 !== 0 || !BASE64.test(data)) throw new UserError("raft: payload is not base64");
  return new Uint8Array(Buffer.from(data, "base64"));
}

/** Per-entry framing cost assumed when sizing append batches (index, term, type, JSON punctuation). */
const ENTRY_OVERHEAD = 32;

/** Approximate wire size of an entry, used only to bound batches; exactness does not matter. */
export function entrySize(e: Entry): number {
  if (e.type === "normal") return ENTRY_OVERHEAD + e.data.length;
  return ENTRY_OVERHEAD * 2 + 8 * (e.membership.voters.length + e.membership.learners.length);
}
