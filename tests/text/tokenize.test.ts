import * as assert from "node:assert/strict";
import { stem, tokenize } from "../../src/text/tokenize";

describe("text/tokenize", () => {
  it("Porter-stems as the reference implementation", () => {
    const cases: Record<string, string> = {
      caresses: "caress", ponies: "poni", ties: "ti", caress: "caress", cats: "cat", feed: "feed", agreed: "agre",
      plastered: "plaster", motoring: "motor", sing: "sing", conflated: "conflat", troubled: "troubl", sized: "size",
      hopping: "hop", tanned: "tan", falling: "fall", hissing: "hiss", fizzed: "fizz", failing: "fail", filing: "file",
      happy: "happi", relational: "relat", conditional: "condit", rational: "ration", generalization: "gener",
      generalizations: "gener", learning: "learn", networks: "network", effective: "effect", adjustable: "adjust",
      controlling: "control", roll: "roll", hopeful: "hope", goodness: "good", electrical: "electr", adoption: "adopt",
      probate: "probat", cease: "ceas", dependent: "depend", analogous: "analog",
    };
    for (const [w, s] of Object.entries(cases)) assert.equal(stem(w), s, w);
  });

  it("lower-cases, folds accents and ligatures, drops stop words, numbers and single letters", () => {
    assert.deepEqual(tokenize("The Networks are LEARNING: a naïve ﬁnance model, in 2019 (x)."), ["network", "learn", "naiv", "financ", "model"]);
  });

  it("keeps alphanumeric tokens whole and unstemmed", () => {
    assert.deepEqual(tokenize("word2vec with L1-regularized 3D convolutions"), ["word2vec", "l1", "regular", "3d", "convolut"]);
  });

  it("is robust to run-together words, markup and other scripts", () => {
    assert.deepEqual(tokenize("ofaggregate-transform"), ["ofaggreg", "transform"]);
    assert.deepEqual(tokenize("\\sim 2-4 \\times faster"), ["sim", "time", "faster"]);
    assert.deepEqual(tokenize("Über αβγ 学习"), ["uber", "αβγ", "学习"]);
    assert.deepEqual(tokenize(""), []);
    assert.deepEqual(tokenize("  \n\t "), []);
  });
});
