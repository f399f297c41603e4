// Search results as people read them (CLI and notebook 10): rank, year, title, score and a snippet.
import type { NeuripsPaper } from "./papers";
import type { Hit } from "./types";

/** The abstract's opening, cut at a word boundary; "(no abstract)" where the corpus has none. */
export function snippet(p: NeuripsPaper, n = 160): string {
    if (!p.hasAbstract) return "(no abstract)";
    return p.abstract.length <= n ? p.abstract : `${p.abstract.slice(0, n).replace(/\s+\S*$/, "")}...`;
}

export interface HitRow { rank: number; year: number; id: string; title: string; score: number; snippet: string }

/** `hits` index `papers` (the product index is built over the papers in order). */
export function hitRows(papers: readonly NeuripsPaper[], hits: readonly Hit[], snippetChars = 160): HitRow[] {
    return hits.map((h, i) => {
        const p = papers[h.doc];
        if (!p) throw new Error(`hit ${i + 1} names document ${h.doc}, but there are ${papers.length} papers`);
        return { rank: i + 1, year: p.year, id: p.id, title: p.title, score: h.score, snippet: snippet(p, snippetChars) };
    });
}
