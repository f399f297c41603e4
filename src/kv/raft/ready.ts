/**
 * Which messages of a Ready may go out before its entries and hard state are durable. A leader's
 * replication traffic may (Raft dissertation §10.2.1): the leader counts its own copy of an entry toward
 * commitment only once `advance()` reports it persisted, so sending early cannot commit anything that a
 * crash of the leader would lose. Everything that acknowledges persisted state (votes, append
 * acknowledgements) or solicits votes for a term must still wait for the fsync.
 */
import type { Message } from "./types";

const LEADER_TRAFFIC = new Set<Message["type"]>(["append", "heartbeat", "snapshot", "timeoutNow"]);

export function canSendBeforePersist(m: Message): boolean {
  return LEADER_TRAFFIC.has(m.type);
}
