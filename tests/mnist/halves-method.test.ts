import * as assert from "node:assert/strict";
import { fuse, tuneWeights, type ScoredTask } from "../../src/mnist/halves-method";

/** Two left and two right halves, all four pairs candidates (p = 2a + b); the truth pairs 0-0 and 1-1. */
function task(cross: number[], grey: number[]): ScoredTask {
  const zero = new Float32Array(4);
  return {
    n: 2,
    feasibleShare: 1,
    pairs: { rows: Int32Array.from([0, 0, 1, 1]), cols: Int32Array.from([0, 1, 0, 1]) },
    features: { cross: Float32Array.from(cross), twoTower: zero, continuity: zero, style: zero, grey: Float32Array.from(grey) },
    seconds: { geometry: 0, twoTower: 0, candidates: 0, cross: 0, continuity: 0, style: 0, grey: 0 },
  };
}
const truth = Int32Array.from([0, 1]);

describe("mnist/halves-method fusion and tuning", () => {
  it("fuses each feature in units of its spread (hand-computed)", () => {
    // Both features have spread 0.5 over the four pairs; a feature without spread adds nothing.
    const f = fuse(task([0, 1, 1, 0], [1, 0, 0, 1]), { twoTower: 0.3, continuity: 0, style: 0, grey: 2 });
    assert.deepEqual(Array.from(f), [4, 2, 2, 4]);
  });

  it("tunes by coordinate ascent: finds the weight that fixes the cross scorer's swap, and honours fixed weights", () => {
    // The cross scorer prefers the swapped pairing (total 4 against 0); grey prefers the truth by 2 per pair
    // in its units, so a grey weight above 1 restores both pairs.
    const t = task([0, 1, 1, 0], [1, 0, 0, 1]);
    const tuned = tuneWeights(t, truth, { grid: [0, 0.5, 2] });
    assert.deepEqual(tuned.best, { twoTower: 0, continuity: 0, style: 0, grey: 2 });
    assert.equal(Math.max(...tuned.table.map((r) => r.restored)), 1);
    assert.equal(tuned.table[0].restored, 0, "the cross scorer alone, tried first, restores none");
    assert.equal(new Set(tuned.table.map((r) => JSON.stringify(r))).size, tuned.table.length, "no point tried twice");
    const pinned = tuneWeights(t, truth, { grid: [0, 0.5, 2], fixed: { grey: 0 } });
    assert.equal(pinned.best.grey, 0);
    assert.ok(pinned.table.every((r) => r.grey === 0 && r.restored === 0));
  });
});
