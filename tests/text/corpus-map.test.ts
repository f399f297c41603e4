import { strict as assert } from "node:assert";
import { principalMap } from "../../src/text/corpus-map";

describe("text/corpus-map", () => {
    it("recovers the two directions of largest variance, largest first", () => {
        // Points spread 10x along (1,1,0)/sqrt2 and 3x along (0,0,1), plus tiny noise along (1,-1,0).
        const dim = 3;
        const rows: number[] = [];
        const u = [Math.SQRT1_2, Math.SQRT1_2, 0], w = [0, 0, 1], n = [Math.SQRT1_2, -Math.SQRT1_2, 0];
        const a = [-2, -1, 0, 1, 2], b = [-1, 1];
        for (const s of a) for (const t of b) rows.push(...u.map((x, j) => 10 * s * x + 3 * t * w[j] + 0.01 * s * t * n[j]));
        const pts = principalMap(Float32Array.from(rows), dim);
        assert.equal(pts.length, 10);
        // x is the coordinate along u (up to sign, fixed positive on the largest loading), y along w.
        pts.forEach((p, i) => {
            const s = a[Math.floor(i / 2)], t = b[i % 2];
            assert.ok(Math.abs(Math.abs(p.x) - 10 * Math.abs(s)) < 1e-3, `x of point ${i}: ${p.x}`);
            assert.ok(Math.abs(Math.abs(p.y) - 3) < 1e-3, `y of point ${i}: ${p.y}`);
            if (s !== 0) assert.equal(Math.sign(p.x), Math.sign(pts[2 * a.indexOf(-s) + (i % 2)].x) * -1);
        });
    });

    it("leaves out skipped rows, keeps doc indices, and rejects bad shapes", () => {
        const v = Float32Array.from([1, 0, 0, 1, 9, 9, -1, 0, 0, -1]);
        const pts = principalMap(v, 2, Uint8Array.from([0, 0, 1, 0, 0]));
        assert.deepEqual(pts.map((p) => p.doc), [0, 1, 3, 4]);
        assert.throws(() => principalMap(Float32Array.from([1, 2, 3]), 2), /not a multiple of dim 2/);
        assert.throws(() => principalMap(Float32Array.from([1, 2, 3, 4]), 2), /at least 3 documents/);
    });
});
