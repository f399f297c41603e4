import * as assert from "node:assert/strict";
import { loadMnist, sliceSplit } from "../../src/data";
import { initBackend } from "../../src/ml";
import { makeHalvesTask, splitHalves } from "../../src/mnist/halves";
import { learnGeometry } from "../../src/mnist/halves-geometry";
import { STYLE_FEATURES, STYLE_STATS, StyleScorer, halfStyle, styleFeatures } from "../../src/mnist/halves-style";

/** One 28 x 14 half from a list of [row, col, value] inked pixels. */
function half(pixels: [number, number, number][]) {
  const h = { n: 1, pixels: new Uint8Array(392) };
  for (const [r, c, v] of pixels) h.pixels[r * 14 + c] = v;
  return h;
}

describe("mnist style scorer", function () {
  this.timeout(180000);
  before(() => initBackend({ quiet: true }));

  it("measures a hand-drawn half: grey levels, runs, edges, interior, ink, moments, rows", () => {
    // A 3-wide vertical bar, rows 10-13, columns 5-7, at 255; one faint pixel (40) at row 20, column 5.
    const px: [number, number, number][] = [[20, 5, 40]];
    for (let r = 10; r <= 13; r++) for (let c = 5; c <= 7; c++) px.push([r, c, 255]);
    const s = Array.from(halfStyle(half(px)));
    assert.equal(s.length, STYLE_STATS);
    const near = (i: number, want: number, what: string) => assert.ok(Math.abs(s[i] - want) < 1e-6, `${what}: ${s[i]} vs ${want}`);
    near(0, 1 / 13, "share of grey 1-63");
    near(4, 12 / 13, "share saturated");
    near(5, (12 * 255 + 40) / 13 / 255, "mean ink");
    near(6, 3 / 4, "horizontal run length / 4"); // four runs of 3 (the faint pixel is below 128)
    near(7, 4 / 4, "vertical run length / 4"); // three runs of 4
    near(8, 3 / 4, "shorter of the two");
    // Edges: rows 10-13 each have |0-255| twice (columns 4|5 and 7|8) over 4 pairs touching ink; row 20 has 2 pairs of 40.
    near(9, (4 * 2 * 255 + 2 * 40) / (4 * 4 + 2) / 255, "edge sharpness");
    near(10, 2 / 13, "interior share"); // (11,6) and (12,6)
    near(11, 13 / 392, "inked share of the half");
    const m = 12 * 255 + 40;
    near(12, (255 * 3 * (10 + 11 + 12 + 13) + 40 * 20) / m / 28, "mean row");
    near(15, 10 / 28, "first inked row");
    near(16, 20 / 28, "last inked row");
  });

  it("pair features are the absolute and signed differences and the means of each statistic", () => {
    const l = Float32Array.from({ length: 2 * STYLE_STATS }, (_, i) => i / 10);
    const r = Float32Array.from({ length: STYLE_STATS }, () => 0.5);
    const f = styleFeatures(l, r, [1], [0]);
    assert.equal(f.length, STYLE_FEATURES);
    const a = l[STYLE_STATS]; // statistic 0 of left half 1
    assert.deepEqual(Array.from(f.subarray(0, 3), (v) => Math.round(v * 1e4) / 1e4), [Math.abs(a - 0.5), a - 0.5, (a + 0.5) / 2].map((v) => Math.round(v * 1e4) / 1e4));
  });

  it("trained on training halves, ranks the true partner above a same-digit look-alike on unseen halves", async () => {
    const m = await loadMnist();
    const train = sliceSplit(m.train, 0, 5000);
    const h = splitHalves(train);
    const { scorer, fit } = await StyleScorer.train(h.left, h.right, train.labels, learnGeometry(h), { seed: 1, epochs: 10 });
    assert.ok(fit.history.at(-1)!.loss < fit.history[0].loss, "loss falls");
    const task = makeHalvesTask(sliceSplit(m.test, 0, 1000), 4);
    // For each left half: its true partner against the next left half's partner of the same digit.
    const rows: number[] = [];
    const cols: number[] = [];
    for (let a = 0; a < 1000; a++) {
      const b = Array.from({ length: 999 }, (_, k) => (a + 1 + k) % 1000).find((o) => task.labels[o] === task.labels[a])!;
      rows.push(a, a);
      cols.push(task.truth[a], task.truth[b]);
    }
    const s = await scorer.scorePairs(task.left, task.right, rows, cols);
    let wins = 0;
    for (let p = 0; p < s.length; p += 2) if (s[p] > s[p + 1]) wins++;
    // Same-digit look-alikes are hard (the full-size scorer alone restores about 20% of a task); chance is 50%.
    assert.ok(wins / 1000 > 0.6, `true pair wins ${wins / 1000}`);
    scorer.dispose();
  });

  it("rejects unaligned training halves", async () => {
    const a = half([]);
    await assert.rejects(StyleScorer.train(a, { n: 2, pixels: new Uint8Array(784) }, [0], { comX: [0, 28], comY: [0, 28], boxSizes: [20] }, { seed: 1, epochs: 1 }), /aligned halves and labels: 1 left, 2 right, 1 labels/);
  });
});
