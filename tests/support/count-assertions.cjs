// Mocha --require plugin: counts node:assert calls per top-level suite (describe title) and writes them as JSON to $ASSERT_COUNT_FILE at exit,
// so reports can say how many assertions ran (not how many are written down).
// node:assert compares some functions by identity (e.g. match vs doesNotMatch), so each wrapper puts the original
// back on every object that held it for the duration of the call.
const fs = require("node:fs");
const assert = require("node:assert");

const counts = {};
let current = "(outside tests)";
const NAMES = ["ok", "equal", "notEqual", "strictEqual", "notStrictEqual", "deepEqual", "notDeepEqual", "deepStrictEqual", "notDeepStrictEqual", "match", "doesNotMatch", "throws", "doesNotThrow", "fail"];
const holders = new Map(); // original function -> [[object, name], ...]
for (const target of [assert, assert.strict]) {
    for (const name of NAMES) {
        const fn = target[name];
        if (typeof fn !== "function") continue;
        holders.set(fn, [...(holders.get(fn) ?? []), [target, name]]);
    }
}
for (const [original, places] of holders) {
    const counted = function (...args) {
        counts[current] = (counts[current] ?? 0) + 1;
        for (const [o, n] of places) o[n] = original;
        try { return original.apply(this, args); } finally { for (const [o, n] of places) o[n] = counted; }
    };
    for (const [o, n] of places) o[n] = counted;
}

exports.mochaHooks = {
    // By top-level suite, not file: a spec that imports other specs would own their suites' file attribute.
    beforeEach() {
        let s = this.currentTest?.parent;
        while (s?.parent && !s.parent.root) s = s.parent;
        current = s?.title ?? current;
    },
};

process.on("exit", () => {
    if (process.env.ASSERT_COUNT_FILE) fs.writeFileSync(process.env.ASSERT_COUNT_FILE, JSON.stringify(counts));
});
