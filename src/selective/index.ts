export { binomialCdf, clopperPearson, confusionMatrix, coverage, negativesToCertify, NOT_SURE, perClassRates, type ClassRates } from "./metrics";
export { ensembleView, SelectivePredictor, softmaxRows, type EnsembleView, type ScoreKind } from "./predictor";
export { calibrationTarget, chooseThresholds } from "./thresholds";
export { coverageRisk, fprByThreshold } from "./curves";
