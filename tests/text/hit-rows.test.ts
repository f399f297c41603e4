import { strict as assert } from "node:assert";
import { hitRows, snippet } from "../../src/text/hit-rows";
import type { NeuripsPaper } from "../../src/text/papers";

const paper = (over: Partial<NeuripsPaper>): NeuripsPaper => ({
    id: "1", year: 2001, title: "T", abstract: "", authors: [], index: 0, hasAbstract: false, pdfUrl: "", source: "", line: 2, ...over,
});

describe("text/hit-rows", () => {
    it("snippets cut at a word boundary and say when there is no abstract", () => {
        assert.equal(snippet(paper({})), "(no abstract)");
        assert.equal(snippet(paper({ hasAbstract: true, abstract: "short one" })), "short one");
        assert.equal(snippet(paper({ hasAbstract: true, abstract: "alpha beta gamma delta" }), 13), "alpha beta...");
    });
    it("rows carry rank, year, title and score of each hit, and reject a doc out of range", () => {
        const papers = [paper({ id: "a", title: "A" }), paper({ id: "b", title: "B", year: 2020 })];
        assert.deepEqual(hitRows(papers, [{ doc: 1, score: 0.5 }, { doc: 0, score: 0.25 }]).map((r) => [r.rank, r.id, r.year, r.score]),
            [[1, "b", 2020, 0.5], [2, "a", 2001, 0.25]]);
        assert.throws(() => hitRows(papers, [{ doc: 2, score: 1 }]), /document 2, but there are 2 papers/);
    });
});
