// [10] similar papers: loading, the retrieval engine (BM25, LSA, USE embeddings, hybrid, learned reranker), evaluation, display helpers.
export * from "./types";
export { loadPapers, readPapers, parsePapers, paperStats, papersPerYear, papersById, paperText, slicePapers, type NeuripsPaper, type PaperSet } from "./papers";
export { tokenize } from "./tokenize";
export { buildEngine, loadUse, type TextEngine, type BuildOptions } from "./engine";
export { evaluate, formatTable, fmtSetting, handJudgedByKind, ALL_RANKERS, type Evaluation, type EvalRow, type HandQueryResult } from "./evaluate";
export { loadHandJudged, handJudgedPath, productTexts } from "./judgements";
export { principalMap, type MapPoint } from "./corpus-map";
export { hitRows, snippet, type HitRow } from "./hit-rows";
export { fitReranker, rerank, loadRerankModel, saveRerankModel, rerankModelPath, RERANK_FEATURES, type RerankModel } from "./rerank";
