/** The Raft cluster simulator: fault injection plus invariant checking, for tests and scripts/raft-sim.ts. */
export { runSimulation, SimFailure, type SimOptions, type SimReport } from "./cluster";
export { InvariantChecker, SimViolation, entryKey } from "./checker";
export { SimNetwork, NO_FAULTS, type NetworkFaults } from "./network";
