export { lapjv, solveAssignment, type Assignment, type AssignOptions } from "./lapjv";
export { candidatePairs, greedyAssignment, pairRecall, recallAtK, topK } from "./candidates";
export { solveSparseAssignment, sparseMatrix, type SparseMatrix } from "./sparse";
