import * as assert from "node:assert/strict";
import * as path from "node:path";
import { dataMirror } from "../../src/config";
import { UserError } from "../../src/errors";
import { authorKey, cleanAbstract, loadPapers, paperStats, papersPerYear, paperText, parseCsv, parsePapers, readPapers, splitAuthors, type NeuripsPaper } from "../../src/text/papers";

const fixtures = path.join(__dirname, "..", "fixtures", "neurips");

describe("text/papers", () => {
  it("parses RFC 4180: quoted commas, line breaks, doubled quotes, CRLF, BOM; records know their first line", () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"two\nlines",\n3,z,w';
    const recs = [...parseCsv(text)];
    assert.deepEqual(recs.map((r) => r.fields), [["a", "b", "c"], ["1", "x, y", 'say "hi"'], ["2", "two\nlines", ""], ["3", "z", "w"]]);
    assert.deepEqual(recs.map((r) => r.line), [1, 2, 3, 5]);
  });

  it("rejects stray quotes with the line", () => {
    assert.throws(() => [...parseCsv('a,b\n1,x"y\n', "t.csv")], /t\.csv:2: quote inside an unquoted field/);
    assert.throws(() => [...parseCsv('a,b\n1,"x"y\n', "t.csv")], /t\.csv:2: unexpected text after a closing quote/);
  });

  it("loads the fixture: cleaned abstracts and authors, title-only papers flagged, a repeated id kept twice", async () => {
    const ps = await readPapers(path.join(fixtures, "papers.csv"));
    assert.equal(ps.length, 7);
    assert.deepEqual(ps.map((p) => p.index), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(ps.map((p) => p.hasAbstract), [false, true, true, false, true, false, true]);
    const circuits = ps[1];
    assert.equal(circuits.line, 3);
    assert.equal(circuits.abstract, 'We build analog circuits, in CMOS, that compute a winner-take-all function. The circuits settle in microseconds. Measurements on a test chip agree with the "ideal" model.');
    assert.deepEqual(circuits.authors, ["I. M. Elfadel", "J. L. Wyatt Jr."]);
    assert.ok(ps[2].abstract.startsWith("We propose"), "heading word Abstract dropped");
    assert.equal(ps[5].abstract, "", "scraper placeholder is no abstract");
    assert.deepEqual(ps[5].authors, ["Yanfang Fa Ye", "Chuxu Zhang"]);
    assert.deepEqual(ps[3].authors, []);
    assert.deepEqual(ps[6].authors, ["Raquel Urtasun", "Tomá S. Gedeon"]);
    assert.deepEqual(paperStats(ps), { papers: 7, withAbstract: 4, withoutAbstract: 3, repeatedIds: { "6263": 2 }, years: [1987, 2021] });
    assert.equal(paperText(ps[0]), "Connectivity Versus Entropy");
    assert.ok(paperText(ps[4]).startsWith("Graph Kernels Revisited. Graph kernels compare"));
    assert.ok(paperText(ps[6]).startsWith("Why Do Networks Generalise? We study"), "no '?.' doubling");
  });

  it("splits authors and builds matching keys", () => {
    assert.deepEqual(splitAuthors("Grace Wahba, Ronald Klein, MD, Giorgio Gia\\-cin\\-to,  Zhiwei  Steven Wu ,"), ["Grace Wahba", "Ronald Klein", "Giorgio Giacinto", "Zhiwei Steven Wu"]);
    assert.equal(authorKey("Michael I. Jordan"), authorKey("Michael Jordan"));
    assert.equal(authorKey("Qi (Rose) Yu"), "qi yu");
    assert.equal(authorKey("Mathieu Carrière"), "mathieu carriere");
    assert.equal(authorKey("David E. van den Bout"), authorKey("David Van den Bout"));
    assert.notEqual(authorKey("John Moody"), authorKey("John Miller"));
    assert.equal(cleanAbstract("Abstraction is key."), "Abstraction is key.");
  });

  const bad: [string, RegExp][] = [
    ["bad-year.csv", /bad-year\.csv:3: year must be an integer 1987-2030, got "19x0"/],
    ["early-year.csv", /early-year\.csv:2: year must be an integer 1987-2030, got "1986"/],
    ["bad-columns.csv", /bad-columns\.csv:4: expected 7 fields, found 6/],
    ["bad-header.csv", /bad-header\.csv:1: header must be id,year,title,abstract,authors,pdf_url,source_repo/],
    ["empty-id.csv", /empty-id\.csv:3: empty id/],
    ["empty-title.csv", /empty-title\.csv:3: empty title/],
    ["unterminated.csv", /unterminated\.csv:3: unterminated quoted field/],
  ];
  for (const [file, re] of bad) {
    it(`refuses ${file}, naming the line`, async () => {
      await assert.rejects(readPapers(path.join(fixtures, file)), (e: Error) => e instanceof UserError && re.test(e.message));
    });
  }

  it("refuses an empty file and a header alone", () => {
    assert.throws(() => parsePapers("", "x.csv"), /x\.csv is empty/);
    assert.throws(() => parsePapers("id,year,title,abstract,authors,pdf_url,source_repo\n", "x.csv"), /no papers/);
  });

  it("loads the catalogue's data set when a mirror is configured", async function () {
    if (!dataMirror()) this.skip();
    const { papers, provenance } = await loadPapers();
    assert.equal(provenance, "mirror");
    const s = paperStats(papers);
    // 3,316 empty abstracts in the source plus 11 scraper placeholders.
    assert.deepEqual([s.papers, s.withAbstract, s.withoutAbstract], [13907, 10580, 3327]);
    assert.deepEqual(s.repeatedIds, { "6263": 2 });
    assert.deepEqual(s.years, [1987, 2021]);
  });
});

describe("text/papers papersPerYear", () => {
  it("counts papers with and without an abstract per year, years ascending", () => {
    const p = (year: number, hasAbstract: boolean) => ({ year, hasAbstract }) as NeuripsPaper;
    assert.deepEqual(papersPerYear([p(2001, true), p(1999, false), p(2001, false), p(2001, true)]),
      [{ year: 1999, withAbstract: 0, withoutAbstract: 1 }, { year: 2001, withAbstract: 2, withoutAbstract: 1 }]);
  });
});
