// The PrometheusRule groups of infra/pulumi/src/platform/alert-rules.ts: shape checks on the data, then the same
// groups under promtool (`check rules` and behavioural `test rules` with the fixtures in ./promtool/cases.ts).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    allRuleGroups, BURN_WINDOWS, errorBudget, isAlert, SLO_WINDOWS, sloRecord, sloRules, type AlertRule,
} from "../../infra/pulumi/src/platform/alert-rules";
import { promtoolCases, RULES_FILE, SLO, testFile } from "./promtool/cases";

const groups = allRuleGroups(SLO);
const alerts = groups.flatMap((g) => g.rules).filter(isAlert);
const DURATION = /^\d+(s|m|h|d)$/;

describe("alert rules as data", () => {
    it("every alert has a severity, a summary and a description, and a valid for", () => {
        assert.ok(alerts.length >= 15, `${alerts.length} alerts`);
        for (const a of alerts) {
            assert.ok(["critical", "warning", "none"].includes(a.labels.severity), a.alert);
            assert.ok(a.annotations.summary && a.annotations.description, a.alert);
            assert.doesNotMatch(JSON.stringify(a.annotations), /\$value/, `${a.alert}: annotations use labels only`);
            if (a.for !== undefined) assert.match(a.for, DURATION, a.alert);
        }
    });

    it("an alert name appears once per severity; only ContainerOOMKilled and Watchdog fire without a `for`", () => {
        const keys = alerts.map((a) => `${a.alert}/${a.labels.severity}/${a.labels.burn_rate ?? ""}`);
        assert.equal(new Set(keys).size, keys.length);
        const noFor = alerts.filter((a) => a.for === undefined).map((a) => a.alert);
        assert.deepEqual(noFor, ["ContainerOOMKilled", "Watchdog"]); // an OOM kill is an event: nothing to wait for
    });

    it("burn windows and factors are the SRE workbook's: pages at 14.4x (1h/5m) and 6x (6h/30m), tickets at 3x and 1x", () => {
        assert.deepEqual(BURN_WINDOWS.map((w) => [w.long, w.short, w.factor, w.severity]), [
            ["1h", "5m", 14.4, "critical"], ["6h", "30m", 6, "critical"], ["1d", "2h", 3, "warning"], ["3d", "6h", 1, "warning"],
        ]);
        // A 14.4x burn for 1h spends 2% of a 30-day budget; 6x for 6h spends 5%.
        assert.equal(Number((14.4 / (30 * 24)).toFixed(3)), 0.02);
        assert.equal(Number((6 * 6 / (30 * 24)).toFixed(3)), 0.05);
        assert.equal(errorBudget(0.999), 0.001);
        assert.equal(errorBudget(0.9995), 0.0005);
    });

    it("the SLO group records the error ratio for every window it alerts on, before the alerts", () => {
        const g = sloRules(SLO);
        const recordIdx = (w: string) => g.rules.findIndex((r) => !isAlert(r) && r.record === sloRecord(w));
        const firstAlert = g.rules.findIndex(isAlert);
        for (const w of SLO_WINDOWS) {
            assert.ok(recordIdx(w) >= 0 && recordIdx(w) < firstAlert, w);
        }
        for (const a of g.rules.filter(isAlert) as AlertRule[]) {
            assert.match(a.expr, new RegExp(`ratio_rate${a.labels.long_window}\\{.*\\} > .* and .*ratio_rate${a.labels.short_window}\\{`));
        }
        assert.throws(() => sloRules({ ...SLO, target: 1 }), /SLO target must be in \(0, 1\)/);
    });
});

/** promtool from PROMTOOL or the PATH; undefined when it cannot run. */
function findPromtool(): string | undefined {
    const bin = process.env.PROMTOOL ?? "promtool";
    const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
    return r.status === 0 ? bin : undefined;
}

describe("alert rules under promtool", function () {
    this.timeout(60000);
    let promtool: string | undefined;
    let dir = "";
    const run = (...args: string[]) => spawnSync(promtool!, args, { cwd: dir, encoding: "utf8" });

    before(function () {
        promtool = findPromtool();
        if (!promtool) {
            console.log("    skipped: promtool not found (install the Debian 'prometheus' package, see scripts/setup.sh, or set PROMTOOL)");
            this.skip();
        }
        dir = mkdtempSync(join(tmpdir(), "promtool-"));
        writeFileSync(join(dir, RULES_FILE), JSON.stringify({ groups }, null, 1)); // JSON is YAML
    });
    after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

    it("promtool check rules accepts every group, lint warnings fatal", () => {
        const r = run("check", "rules", "--lint=all", "--lint-fatal", RULES_FILE);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const count = groups.reduce((n, g) => n + g.rules.length, 0);
        assert.match(r.stdout, new RegExp(`SUCCESS: ${count} rules found`));
    });

    const cases = promtoolCases(groups);
    cases.forEach((c, i) => {
        it(`promtool test rules: ${c.name}`, () => {
            const file = `case-${i}.json`;
            writeFileSync(join(dir, file), JSON.stringify(testFile(c), null, 1));
            const r = run("test", "rules", file);
            assert.equal(r.status, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /SUCCESS/);
        });
    });

    it("the harness fails a wrong expectation (a page at 0.05% errors), so the passes above mean something", () => {
        const withinBudget = cases.find((c) => c.name.startsWith("0.05%"))!;
        const fastBurn = cases.find((c) => c.name.startsWith("2%"))!;
        const wrong = JSON.parse(JSON.stringify(withinBudget));
        const expectPage = (fastBurn.test.alert_rule_test as any[])[0].exp_alerts;
        wrong.test.alert_rule_test = [{ eval_time: "30m", alertname: "SLOErrorBudgetBurn", exp_alerts: expectPage }];
        wrong.test.promql_expr_test = [];
        writeFileSync(join(dir, "wrong.json"), JSON.stringify(testFile(wrong)));
        const r = run("test", "rules", "wrong.json");
        assert.notEqual(r.status, 0);
        assert.match(r.stdout + r.stderr, /FAILED[\s\S]*SLOErrorBudgetBurn[\s\S]*got:\[\]/);
    });
});
