import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { encodeCorpus, type SentenceEncoder } from "../../src/text/embeddings";
import { VectorCache } from "../../src/text/vector-cache";
import { tempDir } from "../support/tmp";

const DIM = 4;

/** A deterministic stand-in encoder that counts the texts it is asked to encode. */
function fakeEncoder(): SentenceEncoder & { seen: string[] } {
  const seen: string[] = [];
  return {
    id: "fake-model",
    dim: DIM,
    seen,
    async encode(texts) {
      seen.push(...texts);
      const out = new Float32Array(texts.length * DIM);
      texts.forEach((t, i) => {
        for (const ch of t) out[i * DIM + (ch.charCodeAt(0) % DIM)] += 1;
      });
      return out;
    },
  };
}

const vec = (...xs: number[]) => Float32Array.from(xs);

describe("text/vector-cache", () => {
  const dir = tempDir("ws-vcache-");

  it("stores vectors by content and model, and reloads them", () => {
    const c = VectorCache.open(dir, "m1", DIM);
    assert.equal(c.size, 0);
    c.putMany(["alpha", "beta"], vec(1, 2, 3, 4, 5, 6, 7, 8));
    c.putMany(["alpha"], vec(9, 9, 9, 9)); // already cached: ignored
    assert.deepEqual(c.get("alpha"), vec(1, 2, 3, 4));
    assert.equal(c.get("gamma"), undefined);
    const again = VectorCache.open(dir, "m1", DIM);
    assert.deepEqual(again.stats, { loaded: 2, corrupt: 0, truncatedBytes: 0, reset: false, appended: 0 });
    assert.deepEqual(again.get("beta"), vec(5, 6, 7, 8));
    // Another model id misses (its own file, and its own keys).
    assert.equal(VectorCache.open(dir, "m2", DIM).get("alpha"), undefined);
    assert.notDeepEqual(again.key("alpha"), VectorCache.open(dir, "m2", DIM).key("alpha"));
    assert.throws(() => again.putMany(["x"], vec(1, 2)), /1 texts but 0.5 vectors/);
  });

  it("drops a record with a flipped byte and a torn tail, keeps the rest, and repairs the file", () => {
    const c = VectorCache.open(dir, "m3", DIM);
    c.putMany(["one", "two", "three"], vec(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));
    const buf = fs.readFileSync(c.file);
    const record = 32 + 4 * DIM + 4;
    buf[32 + record + 40] ^= 0xff; // inside "two"'s vector
    fs.writeFileSync(c.file, Buffer.concat([buf, buf.subarray(32, 32 + 10)])); // plus a torn partial record
    const d = VectorCache.open(dir, "m3", DIM);
    assert.deepEqual(d.stats, { loaded: 2, corrupt: 1, truncatedBytes: 10, reset: false, appended: 0 });
    assert.deepEqual(d.get("one"), vec(1, 1, 1, 1));
    assert.equal(d.get("two"), undefined);
    assert.deepEqual(d.get("three"), vec(3, 3, 3, 3));
    assert.equal(fs.statSync(d.file).size, 32 + 2 * record);
    d.putMany(["two"], vec(2, 2, 2, 2));
    assert.equal(VectorCache.open(dir, "m3", DIM).stats.loaded, 3);
  });

  it("starts over on a foreign or garbage header instead of crashing", () => {
    const c = VectorCache.open(dir, "m4", DIM);
    c.putMany(["x"], vec(1, 0, 0, 0));
    fs.writeFileSync(c.file, "not a vector cache at all, just some text long enough");
    const d = VectorCache.open(dir, "m4", DIM);
    assert.equal(d.stats.reset, true);
    assert.equal(d.size, 0);
    fs.writeFileSync(c.file, Buffer.alloc(5));
    assert.equal(VectorCache.open(dir, "m4", DIM).stats.reset, true);
  });

  it("encodes only uncached, unique, non-empty texts; re-encodes exactly what corruption lost", async () => {
    const texts = ["abc", "", "bcd", "abc", "   ", "cde"];
    const enc = fakeEncoder();
    const cache = VectorCache.open(dir, enc.id, DIM);
    const progress: string[] = [];
    const first = await encodeCorpus(enc, texts, { cache, batchSize: 2, progress: (l) => progress.push(l) });
    assert.deepEqual(enc.seen, ["abc", "bcd", "cde"]);
    assert.deepEqual([first.encoded, first.cached], [3, 0]);
    assert.deepEqual(Array.from(first.inactive), [0, 1, 0, 0, 1, 0]);
    assert.match(progress.at(-1)!, /embed: 3 \/ 3 texts encoded/);
    assert.deepEqual(first.vectors.subarray(0, DIM), first.vectors.subarray(3 * DIM, 4 * DIM));
    assert.deepEqual(first.vectors.subarray(DIM, 2 * DIM), new Float32Array(DIM)); // empty text: zero row
    for (const i of [0, 2, 5]) assert.ok(Math.abs(Math.hypot(...first.vectors.subarray(i * DIM, (i + 1) * DIM)) - 1) < 1e-6);

    const warm = fakeEncoder();
    const second = await encodeCorpus(warm, texts, { cache: VectorCache.open(dir, enc.id, DIM) });
    assert.deepEqual([warm.seen, second.encoded, second.cached], [[], 0, 4]);
    assert.deepEqual(second.vectors, first.vectors);

    const buf = fs.readFileSync(cache.file);
    buf[buf.length - 7] ^= 0x55; // the last record: "cde"
    fs.writeFileSync(cache.file, buf);
    const repaired = fakeEncoder();
    const third = await encodeCorpus(repaired, texts, { cache: VectorCache.open(dir, enc.id, DIM) });
    assert.deepEqual(repaired.seen, ["cde"]);
    assert.deepEqual(third.vectors, first.vectors);
  });
});
