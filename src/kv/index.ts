/** The distributed LevelDB ([05]): what notebooks and scripts use. Layers: raft, store, server, client, cli. */
export { KvClient, KvError } from "./client/kv-client";
export { RaftLevel } from "./client/level-adapter";
export { KvServer } from "./server/server";
export { FaultCluster } from "./faults/cluster";
export { runNemesis, summarizeRuns, NEMESES, type NemesisName, type RunResult } from "./faults/nemesis";
export { checkLinearizable } from "./check/linearizability";
export { HistoryRecorder, type Operation } from "./check/history";
export { compareWithEtcd, type TargetFigures } from "./bench/compare";
export { etcdVersion } from "./bench/etcd";
export { failoverTimelineSpec, nemesisRows, comparisonRows, comparisonSpec } from "./report";
export { freePorts } from "../util/ports";
export { percentile } from "../util/percentile";
