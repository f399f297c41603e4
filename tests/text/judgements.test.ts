import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { authorLinks, buildTasks, halfToHalf, handJudgedPath, handJudgedQueries, loadHandJudged, parseHandJudged, productTexts, sampleQueries, sentenceStarts, splitAtMiddle, splitOf, titleToAbstract, type Query } from "../../src/text/judgements";
import { fnv1a } from "../../src/util/hash";
import { readPapers, type NeuripsPaper } from "../../src/text/papers";

const fixtures = path.join(__dirname, "..", "fixtures", "neurips");

describe("text/judgements", () => {
  let papers: NeuripsPaper[];
  before(async () => {
    papers = await readPapers(path.join(fixtures, "papers.csv"));
  });

  it("splits ids into TUNE and TEST by hash: stable, about 20% TUNE", () => {
    assert.equal(fnv1a(""), 0x811c9dc5);
    assert.equal(fnv1a("a"), 0xe40c292c); // the published FNV-1a test vector
    const ids = Array.from({ length: 10000 }, (_, i) => (i % 2 ? `${i}` : `2021-${i.toString(16).padStart(32, "0")}`));
    const tune = ids.filter((id) => splitOf(id) === "tune").length / ids.length;
    assert.ok(tune > 0.18 && tune < 0.22, `tune share ${tune}`);
    assert.deepEqual(ids.slice(0, 50).map(splitOf), ids.slice(0, 50).map(splitOf));
  });

  it("finds sentence ends, not abbreviations, initials or decimals", () => {
    const t = "We use e.g. CNNs. Results by J. Smith et al. Improve on 3.5 points! A variable x. Then more.";
    const starts = sentenceStarts(t);
    assert.deepEqual(starts.map((s) => t.slice(s, s + 6)), ["Result", "A vari", "Then m"]);
  });

  it("cuts an abstract at the sentence boundary nearest its middle", () => {
    // 49 characters, middle 24.5: boundaries at 11 and 42, the first is nearer.
    assert.deepEqual(splitAtMiddle("One short. Two is a longer sentence here. Three."), ["One short.", "Two is a longer sentence here. Three."]);
    assert.deepEqual(splitAtMiddle("Aaaa aaaa. Bbbb bbbb. Cccc cccc. Dddd dddd."), ["Aaaa aaaa. Bbbb bbbb.", "Cccc cccc. Dddd dddd."]);
    assert.equal(splitAtMiddle("Only one sentence, no split."), undefined);
  });

  it("title -> abstract: index of abstracts only, one relevant doc, title-only papers left out", () => {
    const t = titleToAbstract(papers);
    assert.equal(t.docs.length, 4);
    assert.deepEqual(t.docPaper, [1, 2, 4, 6]);
    assert.ok(t.docs.every((d, i) => d === papers[t.docPaper[i]].abstract));
    assert.deepEqual(t.queries.map((q) => [q.text, q.relevant]), [
      ["Analog Circuits for Winner-Take-All", [0]],
      ["Learning Deep Parsimonious Representations", [1]],
      ["Graph Kernels Revisited", [2]],
      ["Why Do Networks Generalise?", [3]],
    ]);
  });

  it("half -> half: first halves query their own second halves", () => {
    const t = halfToHalf(papers);
    assert.equal(t.queries.length, 4);
    const q = t.queries[2];
    assert.equal(papers[q.paper].id, "2020-aaaa");
    assert.equal(q.text + " " + t.docs[q.relevant[0]], papers[q.paper].abstract);
    assert.ok(t.docs.every((d) => /^[A-Z]/.test(d)));
  });

  it("author links: other papers sharing a normalised author, on the product index, self excluded", () => {
    const t = authorLinks(papers);
    assert.deepEqual(t.docs, productTexts(papers));
    // Zemel (Richard / Richard S.) links 6263(a) and 2020-aaaa; Urtasun links 6263(a) and 2021-cccc.
    const byPaper = new Map(t.queries.map((q) => [papers[q.paper].id + "#" + q.paper, q]));
    assert.deepEqual([...byPaper.keys()], ["6263#2", "2020-aaaa#4", "2021-cccc#6"]);
    assert.deepEqual(byPaper.get("6263#2")!.relevant, [4, 6]);
    assert.deepEqual(byPaper.get("2020-aaaa#4")!.relevant, [2]);
    assert.ok(t.queries.every((q) => q.exclude === q.paper && !q.relevant.includes(q.paper)));
  });

  it("samples queries per split, seeded, keeping order", () => {
    const qs: Query[] = Array.from({ length: 100 }, (_, i) => ({ paper: i, text: `${i}`, relevant: [i], split: i % 5 === 0 ? "tune" : "test" }));
    const a = sampleQueries(qs, { perSplit: 10, seed: 3 });
    assert.deepEqual(a, sampleQueries(qs, { perSplit: 10, seed: 3 }));
    assert.notDeepEqual(a, sampleQueries(qs, { perSplit: 10, seed: 4 }));
    assert.equal(a.filter((q) => q.split === "tune").length, 10);
    assert.equal(a.filter((q) => q.split === "test").length, 10);
    assert.deepEqual(a.map((q) => q.paper), [...a.map((q) => q.paper)].sort((x, y) => x - y));
    assert.equal(buildTasks(papers, { perSplit: 1 }).every((t) => t.queries.length <= 2), true);
  });

  it("resolves hand-judged queries to product-index docs and validates the file", () => {
    const set = parseHandJudged({
      judge: "a test",
      method: "made up",
      scale: {},
      queries: [
        { qid: "a", paper: "2020-aaaa", judgements: { "6263": 2, "2021-cccc": 0 } },
        { qid: "b", text: "graph kernels", judgements: { "2020-aaaa": 1 } },
      ],
    });
    const [a, b] = handJudgedQueries(set, papers);
    assert.equal(a.exclude, 4);
    assert.ok(a.text.startsWith("Graph Kernels Revisited."));
    assert.deepEqual([...a.grades], [[2, 2], [3, 2]], "a repeated id grades both rows");
    assert.deepEqual([...a.judged].sort(), [2, 3, 6]);
    assert.deepEqual([b.text, b.exclude, [...b.grades]], ["graph kernels", undefined, [[4, 1]]]);
    assert.throws(() => handJudgedQueries(parseHandJudged({ judge: "x", method: "y", scale: {}, queries: [{ qid: "c", text: "t", judgements: { nope: 1 } }] }), papers), /paper id nope is not in the corpus/);
    assert.throws(() => parseHandJudged({ judge: "x", method: "y", scale: {}, queries: [{ qid: "c", text: "t", paper: "63", judgements: {} }] }), /exactly one of/);
    assert.throws(() => parseHandJudged({ judge: "x", method: "y", scale: {}, queries: [{ qid: "c", text: "t", judgements: { "63": 3 } }] }), /must be 0, 1 or 2/);
    assert.throws(() => parseHandJudged({ queries: [] }), /who judged/);
  });

  it("the repository's hand-judged set is well-formed: at least 20 queries, papers and free text, judge named", function () {
    if (!fs.existsSync(handJudgedPath())) this.skip();
    const set = loadHandJudged(handJudgedPath());
    assert.ok(set.queries.length >= 20, `${set.queries.length} queries`);
    assert.ok(set.queries.some((q) => q.paper) && set.queries.some((q) => q.text));
    assert.match(set.judge, /AI assistant/);
    for (const q of set.queries) assert.ok(Object.keys(q.judgements).length >= 10, `${q.qid} has a judged pool`);
  });
});
