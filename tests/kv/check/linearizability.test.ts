import * as assert from "node:assert/strict";
import { UserError } from "../../../src/errors";
import { HistoryRecorder, type KvInput, type KvOutput, type Operation } from "../../../src/kv/check/history";
import { checkLinearizable, type CheckResult, type Violation } from "../../../src/kv/check/linearizability";
import { rng } from "../../../src/util/random";
import { bruteForceLinearizable } from "./brute-force";
import { generateHistory } from "./generate";

// Builders: ret undefined = unknown outcome (the output is then dropped too).
let nextId = 1;
function op(client: number, call: number, ret: number | undefined, input: KvInput, output: KvOutput): Operation {
  return { id: nextId++, client, call, ret, input, output: ret === undefined ? undefined : output };
}
const get = (c: number, call: number, ret: number | undefined, value: string | null, key = "x") =>
  op(c, call, ret, { op: "get", key }, { value });
const put = (c: number, call: number, ret: number | undefined, value: string, key = "x") =>
  op(c, call, ret, { op: "put", key, value }, {});
const del = (c: number, call: number, ret: number | undefined, key = "x") => op(c, call, ret, { op: "del", key }, {});
const cas = (c: number, call: number, ret: number | undefined, expected: string | null, value: string | null, ok: boolean, key = "x") =>
  op(c, call, ret, { op: "cas", key, expected, value }, { ok });

const ok = (h: Operation[]) => assert.deepEqual(checkLinearizable(h), { ok: true });
function violation(h: Operation[], key = "x"): Violation {
  const r: CheckResult = checkLinearizable(h);
  assert.equal(r.ok, false, "expected a violation");
  const v = r as Violation;
  assert.equal(v.key, key);
  assert.ok(v.explanation.includes(`key "${key}"`), v.explanation);
  return v;
}

describe("kv/check/linearizability", () => {
  it("accepts the empty history and sequential histories", () => {
    ok([]);
    ok([
      get(1, 0, 1, null), put(1, 2, 3, "a"), get(2, 4, 5, "a"), cas(1, 6, 7, "a", "b", true), cas(2, 8, 9, "a", "c", false),
      get(1, 10, 11, "b"), del(2, 12, 13), get(1, 14, 15, null), cas(2, 16, 17, null, "d", true), cas(1, 18, 19, "d", null, true),
      get(2, 20, 21, null),
    ]);
  });

  it("rejects a read of a value nothing wrote yet without a search", () => {
    const bad = get(2, 4, 5, "b");
    const v = violation([put(1, 0, 1, "a"), get(1, 2, 3, "a"), bad, put(1, 6, 7, "b")]);
    assert.deepEqual(v.blocked, [bad]);
    assert.deepEqual(v.prefix, []);
    assert.equal(
      v.explanation,
      `key "x" is not linearizable: #${bad.id} c2 get("x") → "b" [4, 5] returned "b", but no operation writes "b" before it returns.`,
    );
    violation([put(1, 0, 1, "a"), cas(2, 2, 3, "b", "c", true)]);
  });

  it("accepts concurrent put and get in either order", () => {
    ok([put(1, 0, 10, "a"), get(2, 1, 2, null), get(3, 3, 4, "a")]);
    ok([put(1, 0, 10, "a"), get(2, 1, 2, "a"), get(3, 3, 4, "a")]);
    ok([put(1, 0, 10, "a"), put(2, 1, 9, "b"), get(3, 2, 3, "b"), get(4, 11, 12, "a")]);
    ok([put(1, 0, 10, "a"), put(2, 1, 9, "b"), get(3, 2, 3, "a"), get(4, 11, 12, "b")]);
  });

  it("rejects a value flipping back while the writes overlap", () => {
    violation([put(1, 0, 10, "a"), get(2, 1, 2, "a"), get(3, 3, 4, null)]);
    violation([put(1, 0, 10, "a"), put(2, 1, 9, "b"), get(3, 2, 3, "a"), get(3, 4, 5, "b"), get(4, 6, 7, "a")]);
  });

  it("rejects a stale read after a completed write, naming the op and the values", () => {
    const stale = get(3, 4, 5, "a");
    const v = violation([put(1, 0, 1, "a"), put(2, 2, 3, "b"), stale]);
    assert.deepEqual(v.blocked, [stale]);
    assert.deepEqual(v.prefix.map((o) => o.input), [{ op: "put", key: "x", value: "a" }, { op: "put", key: "x", value: "b" }]);
    assert.match(v.explanation, new RegExp(`#${stale.id} c3 get\\("x"\\) → "a" \\[4, 5\\]: returned "a"`));
    assert.match(v.explanation, /returned "a", but every real-time-consistent order of the operations before it leaves "b"/);
    assert.match(v.explanation, /leaving the value "b"/);
  });

  it("rejects a lost write", () => {
    violation([put(1, 0, 1, "a"), get(2, 2, 3, null)]);
    violation([put(1, 0, 1, "a"), put(2, 0.5, 1.5, "b"), get(3, 2, 3, "b"), get(3, 4, 5, "a")]);
  });

  it("treats equal timestamps as concurrent (calls sort before returns)", () => {
    ok([put(1, 0, 1, "a"), get(2, 1, 2, null)]);
    violation([put(1, 0, 1, "a"), get(2, 1.001, 2, null)]);
  });

  it("rejects two cas from the same expected value both succeeding", () => {
    const h = [put(1, 0, 1, "a"), cas(1, 2, 5, "a", "b", true), cas(2, 3, 6, "a", "c", true)];
    const v = violation(h);
    assert.match(v.explanation, /succeeded, so the value was "a", but/);
    ok([put(1, 0, 1, "a"), cas(1, 2, 5, "a", "b", true), cas(2, 3, 6, "a", "c", false), get(3, 7, 8, "b")]);
    ok([put(1, 0, 1, "a"), cas(1, 2, 5, "a", "b", false), cas(2, 3, 6, "a", "c", true), get(3, 7, 8, "c")]);
    violation([put(1, 0, 1, "a"), cas(1, 2, 3, "a", "b", false)]);
  });

  it("accepts an unknown-outcome put that is observed later, or never", () => {
    ok([put(1, 0, 1, "a"), put(2, 2, undefined, "b"), get(3, 10, 11, "b"), get(3, 12, 13, "b")]);
    ok([put(1, 0, 1, "a"), put(2, 2, undefined, "b"), get(3, 10, 11, "a"), get(3, 12, 13, "a")]);
    ok([put(1, 0, 1, "a"), put(2, 2, undefined, "b"), get(3, 10, 11, "a"), get(3, 12, 13, "b")]);
    // Unobserved but needed to explain a failed cas.
    ok([put(1, 0, 1, "a"), put(2, 2, undefined, "b"), cas(3, 10, 11, "a", "c", false)]);
  });

  it("rejects an unknown-outcome put observed then un-observed, or observed before its call", () => {
    violation([put(1, 0, 1, "a"), put(2, 2, undefined, "b"), get(3, 5, 6, "b"), get(3, 7, 8, "a")]);
    violation([put(1, 0, 1, "a"), get(3, 2, 3, "b"), put(2, 4, undefined, "b")]);
  });

  it("handles a cas with unknown outcome as either taking effect or not", () => {
    ok([put(1, 0, 1, "a"), cas(2, 2, undefined, "a", "b", true), get(3, 5, 6, "b")]);
    ok([put(1, 0, 1, "a"), cas(2, 2, undefined, "a", "b", true), get(3, 5, 6, "a")]);
    ok([put(1, 0, 1, "a"), cas(2, 2, undefined, "a", "b", true), get(3, 5, 6, "a"), get(3, 7, 8, "b")]);
    violation([put(1, 0, 1, "a"), cas(2, 2, undefined, "a", "b", true), get(3, 5, 6, "b"), get(3, 7, 8, "a")]);
    violation([put(1, 0, 1, "a"), cas(2, 2, undefined, "z", "b", true), get(3, 5, 6, "b")]); // could not have matched
    ok([put(1, 0, 1, "a"), cas(2, 2, undefined, "a", null, true), get(3, 5, 6, null), cas(3, 7, 8, null, "c", true)]);
  });

  it("ignores a get with unknown outcome", () => {
    ok([get(1, 0, undefined, "anything")]);
    ok([put(1, 0, 1, "a"), get(2, 2, undefined, "zzz"), get(3, 3, 4, "a")]);
  });

  it("checks keys independently and reports the failing key", () => {
    ok([put(1, 0, 1, "a", "x"), put(2, 2, 3, "b", "y"), get(1, 4, 5, "a", "x"), get(2, 4, 5, "b", "y"), get(3, 4, 5, null, "z")]);
    const v = violation([put(1, 0, 1, "a", "x"), put(2, 0, 1, "a", "y"), get(1, 2, 3, "a", "x"), get(2, 2, 3, null, "y")], "y");
    assert.ok(v.blocked.every((o) => o.input.key === "y"));
  });

  it("caps the explanation of a long history", () => {
    const h: Operation[] = [];
    for (let i = 0; i < 50; i++) h.push(put(1, 2 * i, 2 * i + 1, `v${i}`));
    for (let i = 0; i < 20; i++) h.push(get(2 + i, 200, 201, "v3"));
    const v = violation(h);
    assert.equal(v.prefix.length, 50);
    assert.equal(v.blocked.length, 20);
    assert.match(v.explanation, /\.\.\. 42 earlier operations/);
    assert.match(v.explanation, /\.\.\. 14 more/);
    assert.ok(v.explanation.split("\n").length <= 20, v.explanation);
  });

  it("answers unknown on timeout instead of hanging", () => {
    // 30 concurrent puts then two reads disagreeing: every order of the puts gets tried (exponential).
    const h: Operation[] = [];
    for (let i = 0; i < 30; i++) h.push(put(i, 0, 100, `v${i}`));
    h.push(get(100, 200, 201, "v0"), get(101, 202, 203, "v1"));
    const t0 = performance.now();
    assert.deepEqual(checkLinearizable(h, { timeoutMs: 200 }), { ok: "unknown", reason: "timeout" });
    assert.ok(performance.now() - t0 < 2000);
    // A definite violation on another key still wins.
    h.push(put(1, 0, 1, "a", "w"), get(2, 2, 3, null, "w"));
    assert.equal(checkLinearizable(h, { timeoutMs: 100 }).ok, false);
  });

  it("refuses malformed histories with a UserError", () => {
    const bad: unknown[] = [
      [{ ...put(1, 5, 4, "a") }],
      [{ ...get(1, 0, 1, "a"), output: undefined }],
      [{ ...get(1, 0, 1, "a"), input: { op: "scan", key: "x" } }],
      [{ ...cas(1, 0, 1, "a", "b", true), output: { value: "a" } }],
      [{ ...put(1, 0, 1, "a"), id: 7 }, { ...put(1, 0, 1, "a"), id: 7 }],
    ];
    for (const h of bad) assert.throws(() => checkLinearizable(h as Operation[]), UserError);
  });

  it("records histories with HistoryRecorder", () => {
    let now = 0;
    const rec = new HistoryRecorder(() => now++);
    const a = rec.invoke(1, { op: "put", key: "x", value: "a" });
    const b = rec.invoke(2, { op: "get", key: "x" });
    const c = rec.invoke(3, { op: "del", key: "x" });
    const d = rec.invoke(4, { op: "cas", key: "x", expected: "a", value: "b" });
    rec.complete(a, {});
    rec.complete(b, { value: "a" });
    rec.fail(c);
    rec.unknown(d);
    assert.throws(() => rec.complete(a, {}));
    assert.deepEqual(rec.history(), [
      { id: a, client: 1, call: 0, ret: 4, input: { op: "put", key: "x", value: "a" }, output: {} },
      { id: b, client: 2, call: 1, ret: 5, input: { op: "get", key: "x" }, output: { value: "a" } },
      { id: d, client: 4, call: 3, ret: undefined, input: { op: "cas", key: "x", expected: "a", value: "b" }, output: undefined },
    ]);
    ok(rec.history());
  });

  it("agrees with a brute-force checker on small random histories", () => {
    let linearizable = 0;
    for (let seed = 1; seed <= 4000; seed++) {
      const r = rng(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
      const [maxOps, unknownRate] = seed <= 3000 ? [7, 0.3] : [9, 0.5]; // the second: pruning of unknowns
      const h: Operation[] = [];
      for (let i = 1 + Math.floor(r() * maxOps); i > 0; i--) {
        const call = Math.floor(r() * 8); // integer times: many ties
        const ret = r() < unknownRate ? undefined : call + Math.floor(r() * 5);
        const x = r();
        if (x < 0.35) h.push(get(i, call, ret, pick([null, "a", "b"])));
        else if (x < 0.6) h.push(put(i, call, ret, pick(["a", "b"])));
        else if (x < 0.7) h.push(del(i, call, ret));
        else h.push(cas(i, call, ret, pick([null, "a", "b"]), pick([null, "a", "b"]), r() < 0.5));
      }
      const expected = bruteForceLinearizable(h);
      if (expected) linearizable++;
      assert.equal(checkLinearizable(h).ok, expected, `seed ${seed}: ${JSON.stringify(h)}`);
    }
    assert.ok(linearizable > 1500 && linearizable < 2500, `${linearizable} linearizable: both verdicts exercised`);
  });

  it("accepts random linearizable histories and rejects them once a read is corrupted", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed * 7919);
      const unknownRate = r() < 0.5 ? 0 : 0.1;
      const h = generateHistory(seed, {
        clients: 2 + Math.floor(r() * 8), opsPerClient: 5 + Math.floor(r() * 40), keys: 1 + Math.floor(r() * 4),
        values: 2 + Math.floor(r() * 5), unknownRate,
      });
      assert.deepEqual(checkLinearizable(h), { ok: true }, `seed ${seed}`);
      const gets = h.filter((o) => o.input.op === "get" && o.output !== undefined);
      if (gets.length === 0) continue;
      const victim = gets[Math.floor(r() * gets.length)];
      const original = victim.output;

      // A value nobody writes: found without a search.
      victim.output = { value: "never-written" };
      const phantom = checkLinearizable(h) as Violation;
      assert.equal(phantom.ok, false, `seed ${seed}`);
      assert.equal(phantom.key, victim.input.key, `seed ${seed}`);
      assert.deepEqual(phantom.blocked, [victim]);
      assert.ok(phantom.explanation.includes(`#${victim.id} `), phantom.explanation);

      // A stale read: the victim returns a value overwritten before it was called. Only the search finds
      // this; with a small value pool and unknown outcomes an exhaustive search can take long, so those
      // histories are covered by the brute-force comparison and the hand-written cases instead.
      if (unknownRate > 0) continue;
      const key = victim.input.key;
      victim.output = { value: "stale" };
      const stale = [
        ...h,
        op(100, victim.call - 1, victim.call - 0.6, { op: "put", key, value: "stale" }, {}),
        op(101, victim.call - 0.5, victim.call - 0.1, { op: "put", key, value: "newer" }, {}),
      ];
      const v = checkLinearizable(stale, { timeoutMs: 20_000 }) as Violation;
      assert.equal(v.ok, false, `seed ${seed}`);
      assert.equal(v.key, key, `seed ${seed}`);
      victim.output = original;
    }
  });

  it("checks a larger history quickly (16 clients x 200 ops, 8 keys)", () => {
    const h = generateHistory(42, { clients: 16, opsPerClient: 200, keys: 8, values: 5, unknownRate: 0.02 });
    const t0 = performance.now();
    assert.deepEqual(checkLinearizable(h, { timeoutMs: 30_000 }), { ok: true });
    console.log(`      ${h.length} ops checked in ${(performance.now() - t0).toFixed(1)} ms`);
  });
});
