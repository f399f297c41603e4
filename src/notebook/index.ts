export { startRun, NotebookRun, readResults, resultsDir, currentCommit, type ResultsFile } from "./results";
export { showTable, showFrame, tableHtml } from "./display";
export { sendDisplay, type DisplayBundle } from "./kernel";
