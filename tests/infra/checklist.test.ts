// The checklist names real tests: every title it lists is a test of the infra suites (so the traceability table
// cannot rot). The suites are imported so that their tests are registered even when this file runs alone.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHECKLIST, traceabilityMarkdown } from "../../infra/pulumi/checklist";
import "./alert-rules.test";
import "./k8s.test";
import "./monitoring.test";
import "./platform.test";
import "./policy.test";
import "./schema.test";
import "./stack.test";

describe("infra checklist", () => {
    it("lists every item of the issue, each with resources and at least one test", () => {
        assert.ok(CHECKLIST.length >= 25, `${CHECKLIST.length} items`);
        for (const c of CHECKLIST) {
            assert.ok(c.resources.length > 0, c.item);
            assert.ok(c.tests.length > 0, `${c.item}: no test`);
        }
    });

    it("every test title it names is a registered test", function () {
        let root = this.test!.parent!;
        while (root.parent) root = root.parent;
        const titles = new Set<string>();
        const walk = (s: Mocha.Suite): void => { s.tests.forEach((t) => titles.add(t.title)); s.suites.forEach(walk); };
        walk(root);
        for (const c of CHECKLIST) for (const t of c.tests) assert.ok(titles.has(t), `${c.item}: no test titled "${t}"`);
    });

    it("infra/pulumi/README.md carries the generated traceability table", () => {
        const readme = readFileSync(join(__dirname, "../../infra/pulumi/README.md"), "utf8");
        const m = /<!-- traceability:start -->\n([\s\S]*?)\n<!-- traceability:end -->/.exec(readme);
        assert.ok(m, "README has the traceability markers");
        assert.equal(m[1], traceabilityMarkdown(), "README table is stale: run npx tsx scripts/infra-traceability.ts");
    });
});
