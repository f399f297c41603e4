import * as assert from "node:assert/strict";
import { loadMnist, sliceSplit } from "../../src/data";
import { makeHalvesTask } from "../../src/mnist/halves";
import { greyLevelMatch } from "../../src/mnist/halves-grey";

/** Halves of 28 x 14 from lists of [row, col, value] inked pixels, one list per half. */
function halves(...lists: [number, number, number][][]) {
  const h = { n: lists.length, pixels: new Uint8Array(lists.length * 392) };
  lists.forEach((px, i) => px.forEach(([r, c, v]) => (h.pixels[i * 392 + r * 14 + c] = v)));
  return h;
}

describe("mnist grey-level match", () => {
  it("adds the whole halves' weighted Jaccard of exact levels 1-254 and the row-by-row share (hand-computed)", () => {
    // Left: level 64 in rows 0 and 1, 128 in row 2, saturated pixels (ignored). Right 0: 64 in row 0, 128 in rows 1-3, 191 in row 4.
    const left = halves([[0, 0, 64], [1, 0, 64], [2, 0, 128], [3, 0, 255], [4, 0, 255]]);
    const right = halves([[0, 0, 64], [1, 0, 128], [2, 0, 128], [3, 0, 128], [4, 0, 191], [5, 0, 255]], [[0, 0, 65], [1, 0, 127]], [[0, 0, 255]]);
    const s = greyLevelMatch(left, right, [0, 0, 0], [0, 1, 2]);
    // Whole halves: smaller counts 64 -> 1, 128 -> 1 over larger 64 -> 2, 128 -> 3, 191 -> 1: 2/6. Rows: the left's
    // pixels in rows 0 (64) and 2 (128) find their level in the right's same row, row 1's does not: 2 / (3 + 5 - 2).
    assert.ok(Math.abs(s[0] - (2 / 6 + 2 / 6)) < 1e-6, `${s[0]}`);
    assert.equal(s[1], 0, "neighbouring levels do not match");
    assert.equal(s[2], 0, "no partly inked pixel on the right: 0, not NaN");
    assert.equal(greyLevelMatch(left, left, [0], [0])[0], 2);
    assert.equal(greyLevelMatch(halves([[0, 0, 64]]), halves([[5, 3, 64]]), [0], [0])[0], 1, "same level in another row: the whole-half term only");
    assert.equal(greyLevelMatch(halves([]), halves([]), [0], [0])[0], 0, "two blank halves: 0");
  });

  it("rejects mismatched index lists and pairs outside the halves", () => {
    const h = halves([[0, 0, 9]]);
    assert.throws(() => greyLevelMatch(h, h, [0, 0], [0]), /2 left indices but 1 right indices/);
    assert.throws(() => greyLevelMatch(h, h, [0], [1]), /pair 0 \(0, 1\) names a half outside the 1 left and 1 right halves/);
  });

  it("scores true pairs above random ones on MNIST test digits (no training)", async () => {
    const task = makeHalvesTask(sliceSplit((await loadMnist()).test, 0, 1000), 3);
    const rows = Int32Array.from({ length: 2000 }, (_, p) => p >> 1);
    const cols = Int32Array.from(rows, (a, p) => (p % 2 === 0 ? task.truth[a] : (task.truth[a] + 1 + ((a * 7919) % 999)) % 1000));
    const s = greyLevelMatch(task.left, task.right, rows, cols);
    let wins = 0;
    for (let a = 0; a < 1000; a++) if (s[2 * a] > s[2 * a + 1]) wins++;
    assert.ok(wins / 1000 > 0.8, `true pair wins ${wins / 1000}`);
  });
});
