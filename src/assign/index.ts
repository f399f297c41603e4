export { solveAssignment } from "./dense";
export { lapjv, type Assignment, type AssignOptions } from "./lapjv";
export { candidatePairs, greedyAssignment, pairRecall, recallAtK, topK } from "./candidates";
export { solveSparseAssignment, sparseMatrix, type SparseMatrix } from "./sparse";
