/**
 * Which messages of a Ready may go out before its entries and hard state are durable. A leader's
 * replication traffic may (Raft dissertation §10.2.1): the leader counts its own copy of an entry toward
 * commitment only once `advance()` reports it persisted, so sending early cannot commit anything that a
 * crash of the leader would lose. Everything that acknowledges persisted state (votes, append
 * acknowledgements) or solicits votes for a term must still wait for the fsync.
 */
import type { Entry, HardState, Message, Snapshot } from "./types";

const LEADER_TRAFFIC = new Set<Message["type"]>(["append", "heartbeat", "snapshot", "timeoutNow"]);

export function canSendBeforePersist(m: Message): boolean {
  return LEADER_TRAFFIC.has(m.type);
}

/**
 * A persist whose only change is the hard state's commit index, with no sync asked: the one write a storage may
 * defer (the commit index need not be durable; Raft relearns it from the leader).
 */
export function onlyCommitChanged(u: { hardState?: HardState; entries: Entry[]; snapshot?: Snapshot }, stored: HardState, sync: boolean): boolean {
  const h = u.hardState;
  return !!h && !sync && !u.snapshot && u.entries.length === 0 && h.term === stored.term && h.vote === stored.vote;
}
