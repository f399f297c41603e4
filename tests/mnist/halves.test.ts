import * as assert from "node:assert/strict";
import { loadMnist, sliceSplit } from "../../src/data";
import { UserError } from "../../src/errors";
import { initBackend } from "../../src/ml";
import { joinHalves, makeHalvesTask, pairsRestored, recut, restoreImages, splitHalves } from "../../src/mnist/halves";
import { continuityScores } from "../../src/mnist/halves-scores";

describe("mnist/halves", () => {
  it("splits at column 14 and rejoins exactly", async () => {
    const m = await loadMnist();
    const s = sliceSplit(m.test, 0, 50);
    const { left, right } = splitHalves(s);
    // Image 0, row 10: columns 0-13 in the left half, 14-27 in the right.
    assert.deepEqual(Array.from(left.pixels.subarray(10 * 14, 11 * 14)), Array.from(s.images.subarray(10 * 28, 10 * 28 + 14)));
    assert.deepEqual(Array.from(right.pixels.subarray(10 * 14, 11 * 14)), Array.from(s.images.subarray(10 * 28 + 14, 11 * 28)));
    assert.deepEqual(joinHalves(left, right, Array.from({ length: 50 }, (_, i) => i)), s.images);
  });

  it("shuffles both piles with a seed, and the true pairing undoes it", async () => {
    const m = await loadMnist();
    const s = sliceSplit(m.test, 0, 200);
    const task = makeHalvesTask(s, 7);
    assert.deepEqual(makeHalvesTask(s, 7).truth, task.truth, "same seed, same task");
    assert.notDeepEqual(makeHalvesTask(s, 8).truth, task.truth);
    assert.ok(pairsRestored(task, Array.from({ length: 200 }, (_, i) => i)) < 0.05, "the piles are shuffled");
    assert.equal(pairsRestored(task, task.truth), 1);
    assert.deepEqual(restoreImages(task, task.truth), s.images);
    assert.deepEqual(Array.from(task.labels), Array.from(task.leftSource, (src) => s.labels[src]));
  });

  it("recuts aligned halves elsewhere: the images moved sideways, blank columns shifted in", async () => {
    const m = await loadMnist();
    const s = sliceSplit(m.test, 0, 20);
    const { left, right } = splitHalves(s);
    assert.deepEqual(recut(left, right, 0), { left, right });
    const identity = Array.from({ length: 20 }, (_, i) => i);
    for (const delta of [-3, 2]) {
      const h = recut(left, right, delta);
      const joined = joinHalves(h.left, h.right, identity);
      for (let i = 0; i < 20; i++)
        for (let r = 0; r < 28; r++)
          for (let c = 0; c < 28; c++) {
            const src = c + delta;
            const want = src >= 0 && src < 28 ? s.images[i * 784 + r * 28 + src] : 0;
            assert.equal(joined[i * 784 + r * 28 + c], want, `image ${i} row ${r} col ${c}, offset ${delta}`);
          }
    }
    assert.throws(() => recut(left, right, 14), /cut offset must be an integer within ±13, not 14/);
    assert.throws(() => recut(left, splitHalves(sliceSplit(m.test, 0, 3)).right, 1), /recut needs aligned halves: 20 left, 3 right/);
  });

  it("rejects unequal piles and out-of-range pairings", async () => {
    const m = await loadMnist();
    const a = splitHalves(sliceSplit(m.test, 0, 3));
    const b = splitHalves(sliceSplit(m.test, 0, 4));
    assert.throws(() => joinHalves(a.left, b.right, [0, 1, 2]), (e: Error) => e instanceof UserError && /3 left halves but 4 right halves/.test(e.message));
    assert.throws(() => joinHalves(a.left, a.right, [0, 1, 5]), /left half 2 is paired with 5/);
  });
});

describe("mnist/halves-scores", () => {
  it("scores true pairs above other pairs across the cut (continuity baseline)", async () => {
    await initBackend();
    const m = await loadMnist();
    const n = 300;
    const task = makeHalvesTask(sliceSplit(m.test, 0, n), 3);
    const s = continuityScores(task.left, task.right);
    assert.equal(s.length, n * n);
    // Rank of the true partner among all right halves, for each left half (0 = best).
    const ranks = Array.from({ length: n }, (_, a) => {
      const t = s[a * n + task.truth[a]];
      let better = 0;
      for (let b = 0; b < n; b++) if (s[a * n + b] > t) better++;
      return better;
    }).sort((x, y) => x - y);
    const median = ranks[n / 2];
    assert.ok(median < n * 0.05, `median rank of the true partner ${median} of ${n}`);
  });
});
