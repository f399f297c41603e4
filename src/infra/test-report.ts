// Runs the offline infra test suite in a child process and reports what passed, per checklist item, with the number
// of assertions that actually ran (counted by tests/support/count-assertions.cjs).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../config";
import { CHECKLIST, type ChecklistItem } from "../../infra/pulumi/checklist";

/** Top-level suites that build the stacks under Pulumi mocks say so in their title (the others test the pack, the cost
 *  model, the checklist and the promtool rules). */
export const isMockSuite = (title: string) => title.endsWith("(Pulumi mocks)");

export interface InfraTestReport {
    passed: number;
    failed: number;
    pending: number;
    seconds: number;
    /** Test title -> outcomes (a title runs once per environment in the per-env suites). */
    outcomes: Map<string, ("passed" | "failed")[]>;
    /** Assertions executed, per top-level suite title. */
    assertionsBySuite: Record<string, number>;
    failures: { title: string; message: string }[];
}

export function runInfraTests(files = "tests/infra/*.test.ts"): InfraTestReport {
    const root = projectRoot();
    const dir = mkdtempSync(join(tmpdir(), "infra-report-"));
    const json = join(dir, "mocha.json");
    const counts = join(dir, "asserts.json");
    const started = Date.now();
    try {
        const r = spawnSync("npx", ["mocha", "--no-config", "--node-option", "import=tsx", "--timeout", "120000",
            "--require", "tests/support/count-assertions.cjs", "--reporter", "json", "--reporter-option", `output=${json}`, files],
            { cwd: root, encoding: "utf8", env: { ...process.env, ASSERT_COUNT_FILE: counts }, shell: true });
        let out: any;
        try { out = JSON.parse(readFileSync(json, "utf8")); } catch {
            throw new Error(`infra tests did not produce a report (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-2000)}`);
        }
        const outcomes = new Map<string, ("passed" | "failed")[]>();
        const add = (t: { title: string }, o: "passed" | "failed") => outcomes.set(t.title, [...(outcomes.get(t.title) ?? []), o]);
        out.passes.forEach((t: any) => add(t, "passed"));
        out.failures.forEach((t: any) => add(t, "failed"));
        return {
            passed: out.stats.passes, failed: out.stats.failures, pending: out.stats.pending,
            seconds: (Date.now() - started) / 1000,
            outcomes, assertionsBySuite: JSON.parse(readFileSync(counts, "utf8")),
            failures: out.failures.map((t: any) => ({ title: t.fullTitle, message: String(t.err?.message ?? "").split("\n")[0] })),
        };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

export interface ChecklistRow { area: string; item: string; resources: string; tests: string; verified: boolean }

/** An item is verified when it names tests and every one of them ran and passed everywhere it ran. */
export function checklistRows(report: InfraTestReport, items: ChecklistItem[] = CHECKLIST): ChecklistRow[] {
    return items.map((c) => ({
        area: c.area,
        item: c.item,
        resources: c.resources,
        tests: c.tests.join("; "),
        verified: c.tests.length > 0 && c.tests.every((t) => {
            const o = report.outcomes.get(t);
            return !!o?.length && o.every((x) => x === "passed");
        }),
    }));
}

export const mockAssertions = (report: InfraTestReport) =>
    Object.entries(report.assertionsBySuite).reduce((n, [suite, k]) => n + (isMockSuite(suite) ? k : 0), 0);
