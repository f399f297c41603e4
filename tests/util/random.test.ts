import * as assert from "node:assert/strict";
import { permutation, rng } from "../../src/util/random";

describe("util/random", () => {
  it("is reproducible for a seed and differs between seeds", () => {
    const a = rng(42);
    const b = rng(42);
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
    assert.notDeepEqual(xs, Array.from({ length: 5 }, rng(43)));
    for (const x of xs) assert.ok(x >= 0 && x < 1);
  });

  it("makes seeded permutations", () => {
    const p = permutation(1000, 1);
    assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(p, permutation(1000, 1));
    assert.notDeepEqual(p, permutation(1000, 2));
  });
});
