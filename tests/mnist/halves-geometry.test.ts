import * as assert from "node:assert/strict";
import { loadMnist, sliceSplit } from "../../src/data";
import { makeHalvesTask, splitHalves } from "../../src/mnist/halves";
import { geometryMask, halfStats, learnGeometry, pairFits, pairShape } from "../../src/mnist/halves-geometry";

describe("mnist/halves-geometry", () => {
  it("learns MNIST's centring and 20-pixel box from training images", async () => {
    const m = await loadMnist();
    const rule = learnGeometry(splitHalves(sliceSplit(m.train, 0, 3000)));
    // Centred by centre of mass on the middle pixel: within half a pixel of 14 either way.
    for (const [lo, hi] of [rule.comX, rule.comY]) assert.ok(lo > 13.4 && lo < 13.6 && hi > 14.4 && hi < 14.6, `${lo}-${hi}`);
    assert.ok(rule.boxSizes.includes(20) && rule.boxSizes.every((s) => s >= 18 && s <= 20), `box sizes ${rule.boxSizes}`);
  });

  it("keeps every true pair of unseen images and rules out most wrong ones", async () => {
    const m = await loadMnist();
    const rule = learnGeometry(splitHalves(sliceSplit(m.train, 0, 3000)));
    const task = makeHalvesTask(sliceSplit(m.test, 0, 1000), 3);
    const mask = geometryMask(rule, task.left, task.right);
    let kept = 0;
    task.truth.forEach((b, a) => (kept += mask[a * 1000 + b]));
    assert.ok(kept >= 998, `${kept} of 1,000 true pairs fit the rule`);
    const allowed = mask.reduce((a, v) => a + v, 0) / mask.length;
    assert.ok(allowed < 0.15, `${(allowed * 100).toFixed(1)}% of all pairs fit the rule`);
    // pairFits (one pair at a time) agrees with the mask's inlined test on every pair of the first 200 rows.
    const [l, r] = [halfStats(task.left, "left"), halfStats(task.right, "right")];
    for (let a = 0; a < 200; a++) for (let b = 0; b < 1000; b++) assert.equal(pairFits(rule, pairShape(l, a, r, b)) ? 1 : 0, mask[a * 1000 + b], `pair ${a}, ${b}`);
  });

  it("measures the joined pair's centre and box from the halves' stats", () => {
    // One 28x28 image with a single inked pixel on each side: (row 3, col 13) and (row 22, col 14).
    const left = { n: 1, pixels: new Uint8Array(392) };
    const right = { n: 1, pixels: new Uint8Array(392) };
    left.pixels[3 * 14 + 13] = 100;
    right.pixels[22 * 14 + 0] = 300 / 3;
    const p = pairShape(halfStats(left, "left"), 0, halfStats(right, "right"), 0)!;
    assert.equal(p.x, 13.5);
    assert.equal(p.y, 12.5);
    assert.equal(p.box, 20);
    assert.equal(pairShape(halfStats({ n: 1, pixels: new Uint8Array(392) }, "left"), 0, halfStats({ n: 1, pixels: new Uint8Array(392) }, "right"), 0), null);
  });
});
