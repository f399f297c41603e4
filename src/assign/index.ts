export { lapjv, solveAssignment, type Assignment, type AssignOptions } from "./lapjv";
export { greedyAssignment, recallAtK, topK } from "./candidates";
