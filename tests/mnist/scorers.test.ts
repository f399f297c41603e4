import * as assert from "node:assert/strict";
import { loadMnist, sliceSplit } from "../../src/data";
import { initBackend } from "../../src/ml";
import { CrossScorer, joinedBands, rankingSets } from "../../src/mnist/cross-scorer";
import { makeHalvesTask, splitHalves } from "../../src/mnist/halves";
import { TwoTower } from "../../src/mnist/two-tower";
import { rng } from "../../src/util/random";

/** Share of held-out left halves whose true right half outscores a random other one. */
function trueOverRandom(score: (a: number, b: number) => number, truth: Int32Array): number {
  let wins = 0;
  truth.forEach((b, a) => {
    const other = (b + 1 + ((a * 7919) % (truth.length - 1))) % truth.length;
    if (score(a, b) > score(a, other)) wins++;
  });
  return wins / truth.length;
}

describe("mnist scorers (trained on a fixture slice of MNIST)", function () {
  this.timeout(180000);
  before(() => initBackend({ quiet: true }));

  it("the two-tower ranks true pairs above random ones on unseen halves", async () => {
    const m = await loadMnist();
    const train = splitHalves(sliceSplit(m.train, 0, 4000));
    const task = makeHalvesTask(sliceSplit(m.test, 0, 500), 1);
    const { model, losses } = TwoTower.train(train.left, train.right, { seed: 2, epochs: 3, hidden: 128, embedding: 32, batchSize: 256, verbose: false });
    assert.ok(losses[2] < losses[0], `loss falls: ${losses}`);
    const s = model.scores(task.left, task.right);
    const rate = trueOverRandom((a, b) => s[a * 500 + b], task.truth);
    assert.ok(rate > 0.9, `true pair wins ${rate}`);
    model.dispose();
  });

  for (const arch of [{ arch: "mlp", band: 14, hidden: [128] }, { arch: "cnn", band: 7 }] as const)
    it(`the cross scorer (${arch.arch}, band ${arch.band}) ranks true pairs above random ones on unseen halves`, async () => {
      const m = await loadMnist();
      const n = 3000;
      const train = splitHalves(sliceSplit(m.train, 0, n));
      const task = makeHalvesTask(sliceSplit(m.test, 0, 500), 1);
      // Random wrong candidates for the fixture (the notebook uses the two-tower's look-alikes).
      const r = rng(3);
      const cand = Int32Array.from({ length: n * 8 }, () => Math.floor(r() * n));
      const sets = rankingSets(train.left, train.right, Int32Array.from({ length: n }, (_, i) => i), cand, 8, 4, arch.band, 5);
      assert.deepEqual(sets.shape, [4, 28, 2 * arch.band, 1]);
      const { scorer } = await CrossScorer.train(sets, { seed: 1, modelSeed: 2, ...arch, batchSize: 32, epochs: 4, workers: 1, verbose: false });
      const rows = Int32Array.from({ length: 1000 }, (_, p) => p >> 1);
      const cols = Int32Array.from(rows, (a, p) => (p % 2 === 0 ? task.truth[a] : (task.truth[a] + 1 + ((a * 7919) % 499)) % 500));
      const s = await scorer.scorePairs(task.left, task.right, rows, cols);
      let wins = 0;
      for (let a = 0; a < 500; a++) if (s[2 * a] > s[2 * a + 1]) wins++;
      assert.ok(wins / 500 > 0.85, `true pair wins ${wins / 500}`);
      if (arch.arch === "cnn") {
        // Views: the mean of the scores of the image moved up and down a row (chunks of 300 pairs).
        const views = await Promise.all([-1, 1].map((v) => scorer.scorePairs(task.left, task.right, rows, cols, [v])));
        const mean = await scorer.scorePairs(task.left, task.right, rows, cols, [-1, 1], 300);
        assert.ok(mean.every((v, p) => Math.abs(v - (views[0][p] + views[1][p]) / 2) < 1e-5));
        assert.ok(views[0].some((v, p) => Math.abs(v - s[p]) > 1e-3), "a moved view scores differently");
        await assert.rejects(scorer.scorePairs(task.left, task.right, rows, cols, []), /at least one view/);
      }
      scorer.dispose();
    });

  it("rejects a band too narrow for the CNN", async () => {
    const sets = { x: new Float32Array(2 * 28 * 8), y: new Int32Array(1), shape: [2, 28, 8, 1] };
    await assert.rejects(CrossScorer.train(sets, { seed: 1, modelSeed: 2, band: 4, arch: "cnn", batchSize: 1, epochs: 1, workers: 1, verbose: false }), /needs a band of at least 5 columns, not 4/);
  });

  it("cuts bands around the seam from the joined image", () => {
    const left = { n: 1, pixels: Uint8Array.from({ length: 392 }, (_, p) => p % 14) };
    const right = { n: 1, pixels: Uint8Array.from({ length: 392 }, (_, p) => 100 + (p % 14)) };
    const x = joinedBands(left, right, [0], [0], 2);
    // Row 0: left columns 12, 13 then right columns 14, 15 (values /255).
    assert.deepEqual(Array.from(x.subarray(0, 4), (v) => Math.round(v * 255)), [12, 13, 100, 101]);
    assert.throws(() => joinedBands(left, right, [0], [1], 2), /pair 0 \(0, 1\) names a half outside/);
    assert.throws(() => joinedBands(left, right, [0], [0], 15), /band must be 1-14/);
    // Moved down one row: row 0 blank, row 1 holds the halves' row 0; moved up: the last row blank.
    const down = joinedBands({ n: 1, pixels: Uint8Array.from({ length: 392 }, (_, p) => Math.floor(p / 14)) }, right, [0], [0], 2, 1);
    assert.deepEqual(Array.from(down.subarray(0, 8), (v) => Math.round(v * 255)), [0, 0, 0, 0, 0, 0, 100, 101]);
    const up = joinedBands(left, right, [0], [0], 2, -1);
    assert.deepEqual(Array.from(up.subarray(26 * 4, 28 * 4), (v) => Math.round(v * 255)), [12, 13, 100, 101, 0, 0, 0, 0]);
    assert.throws(() => joinedBands(left, right, [0], [0], 2, 28), /shift must be an integer within ±27 rows/);
  });
});
