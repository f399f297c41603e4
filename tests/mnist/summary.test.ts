import * as assert from "node:assert/strict";
import type { Mnist } from "../../src/data";
import { labelCounts, meanDigitRows } from "../../src/mnist";

const split = (labels: number[], ink: number[]) => ({
  n: labels.length,
  labels: Uint8Array.from(labels),
  images: Uint8Array.from(labels.flatMap((_, i) => new Array(784).fill(ink[i]))),
});

describe("mnist/summary", () => {
  it("counts images per digit in each split", () => {
    const m = { train: split([1, 1, 2, 0], [0, 0, 0, 0]), test: split([1, 2, 2, 0], [0, 0, 0, 0]) } as unknown as Mnist;
    const rows = labelCounts(m).toRecords();
    assert.deepEqual(rows, [
      { digit: 0, train: 1, test: 1, test_share: 0.5 },
      { digit: 1, train: 2, test: 1, test_share: 1 / 3 },
      { digit: 2, train: 1, test: 2, test_share: 2 / 3 },
    ]);
  });

  it("averages each digit's images, scaled to 0-1", () => {
    const rows = meanDigitRows(split([3, 3], [255, 0]));
    assert.equal(rows.length, 10 * 784);
    const three = rows.filter((r) => r.digit === 3);
    assert.ok(three.every((r) => r.ink === 0.5));
    assert.deepEqual(three[29], { digit: 3, row: 1, col: 1, ink: 0.5 });
    assert.ok(rows.filter((r) => r.digit === 4).every((r) => r.ink === 0));
  });
});
