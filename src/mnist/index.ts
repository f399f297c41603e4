export { labelCounts, meanDigitRows, meanDigitSpec } from "./summary";
export { trainSoftmax, type SoftmaxResult } from "./softmax";
export { joinHalves, joinPairs, makeHalvesTask, pairsRestored, restoreImages, splitHalves, type Halves, type HalvesTask } from "./halves";
export { continuityScores } from "./halves-scores";
export { geometryMask, learnGeometry, type GeometryRule } from "./halves-geometry";
export { TwoTower } from "./two-tower";
export { CrossScorer } from "./cross-scorer";
export { assignCandidates, denseScores, fuse, greedyCandidates, scoreTask, trainMethod, tuneWeights, type MethodOptions, type ScoredTask, type TrainedMethod, type Weights } from "./halves-method";
export { errorAnalysis, failureGridSpec } from "./halves-report";
