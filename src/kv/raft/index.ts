/** Deterministic, I/O-free Raft consensus core (etcd/raft style). See node.ts and types.ts. */
export { RaftNode, type NodeStatus } from "./node";
export type { RaftConfig } from "./config";
export { MemoryStorage, type RaftStorage } from "./storage";
export type { LogView } from "./log";
export type { ProgressState } from "./progress";
export { encodeData, decodeData } from "./codec";
export { canSendBeforePersist, onlyCommitChanged } from "./ready";
export * from "./types";
