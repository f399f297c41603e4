export { lapjv, solveAssignment, type Assignment, type AssignOptions } from "./lapjv";
