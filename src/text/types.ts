// Shared shapes of the similar-papers engine ([10]): the engine ranks plain texts; paper glue decides what a text is.

/** One NeurIPS paper as loaded from the catalogue's CSV. `abstract` is "" where the source has none. */
export interface Paper {
    id: string;
    year: number;
    title: string;
    abstract: string;
    authors: string[];
}

/** A ranked result: `doc` indexes the texts the engine was built on. */
export interface Hit {
    doc: number;
    score: number;
}

export type RankerName = "bm25" | "lsa" | "embed" | "hybrid";

export interface SearchOptions {
    /** Leave this doc out of the results (the query's own paper). */
    exclude?: number;
}

export interface Ranker {
    readonly name: RankerName;
    search(query: string, k: number, opts?: SearchOptions): Promise<Hit[]>;
}

export interface EngineOptions {
    /** Directory of the on-disk vector cache (keyed by content hash); default `.cache/text`. */
    cacheDir?: string;
    /** Progress lines for long work (encoding thousands of texts). */
    progress?: (line: string) => void;
    /** Which rankers to build; default all four (the hybrid needs the others). */
    rankers?: RankerName[];
    /** Seed for anything random (SVD init). */
    seed?: number;
}

export interface Engine {
    readonly texts: string[];
    readonly rankers: Partial<Record<RankerName, Ranker>>;
    /** Wall seconds of each build step, e.g. { bm25: 0.4, lsa: 6.1, embed: 2.0 }. */
    readonly buildSeconds: Record<string, number>;
}
