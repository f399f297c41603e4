import * as assert from "node:assert/strict";
import { DEFAULTS, type StackConfig } from "../../infra/pulumi/src/config";
import { costRows, DEFAULT_ASSUMPTIONS, estimateMonthlyCost, PRICES, type Assumptions } from "../../src/infra/cost";

const ADMIN = "arn:aws:iam::111122223333:role/platform-admin";
const dev: StackConfig = { ...DEFAULTS.dev, adminPrincipalArn: ADMIN };
const prod: StackConfig = { ...DEFAULTS.prod, adminPrincipalArn: ADMIN };
const line = (cfg: StackConfig, item: string, a?: Assumptions) => {
    const l = estimateMonthlyCost(cfg, a).lines.find((x) => x.item === item);
    assert.ok(l, `no line ${item}`);
    return l;
};

describe("infra/cost", () => {
    it("totals equal the sum of the lines, in cents", () => {
        for (const cfg of [dev, prod]) {
            const e = estimateMonthlyCost(cfg);
            const sum = e.lines.reduce((s, l) => s + l.monthlyUsd, 0);
            assert.equal(e.totalUsd, Math.round(sum * 100) / 100);
            for (const l of e.lines) assert.equal(l.monthlyUsd, Math.round(l.monthlyUsd * 100) / 100, l.item);
        }
    });

    it("prices prod above dev", () => {
        assert.ok(estimateMonthlyCost(prod).totalUsd > estimateMonthlyCost(dev).totalUsd);
    });

    it("has one NAT line: one gateway in dev, one per AZ in prod", () => {
        for (const [cfg, n] of [[dev, 1], [prod, prod.azCount]] as const) {
            const nat = estimateMonthlyCost(cfg).lines.filter((l) => /NAT/.test(l.item));
            assert.equal(nat.length, 1);
            assert.equal(parseInt(nat[0].quantity, 10), n);
        }
    });

    it("charges the control plane 0.10 × 730", () => {
        assert.equal(line(dev, "EKS control plane").monthlyUsd, 73);
        assert.equal(PRICES.eksClusterHour * 730, 73);
    });

    it("throws on an instance type without a price, naming it", () => {
        const cfg = { ...dev, nodeGroups: [{ ...dev.nodeGroups[0], instanceTypes: ["x9z.huge"] }] };
        assert.throws(() => estimateMonthlyCost(cfg), /x9z\.huge/);
        assert.throws(() => estimateMonthlyCost(dev, { ...DEFAULT_ASSUMPTIONS.dev, karpenterInstanceType: "q1.tiny" }), /q1\.tiny/);
    });

    it("prices a multi-type node group at its first type and says so", () => {
        const apps = line(prod, "Node group apps");
        assert.equal(apps.monthlyUsd, Math.round(3 * PRICES.ec2Hour["m6i.xlarge"] * 730 * 100) / 100);
        assert.match(apps.basis, /first of m6i\.xlarge, m5\.xlarge/);
    });

    it("moves only the line an assumption feeds", () => {
        const base = estimateMonthlyCost(prod);
        const cases: [Partial<Assumptions>, string][] = [
            [{ natDataGB: 1000 }, "NAT gateways"],
            [{ nlbLcus: 10 }, "NLB (ingress-nginx)"],
            [{ controlPlaneLogGB: 200 }, "CloudWatch Logs: control plane"],
            [{ logGBPerNode: 50 }, "CloudWatch Logs: containers"],
            [{ veleroS3GB: 500 }, "Velero backups (S3 Standard)"],
            [{ veleroSnapshotGB: 900 }, "Velero volume snapshots (EBS)"],
            [{ secrets: 3 }, "Secrets Manager"],
        ];
        for (const [change, item] of cases) {
            const e = estimateMonthlyCost(prod, { ...DEFAULT_ASSUMPTIONS.prod, ...change });
            const changed = e.lines.filter((l, i) => l.monthlyUsd !== base.lines[i].monthlyUsd).map((l) => l.item);
            assert.deepEqual(changed, [item], JSON.stringify(change));
        }
    });

    it("matches a hand-computed small config", () => {
        const cfg: StackConfig = { ...dev, nodeGroups: [{ name: "small", instanceTypes: ["t3.large"], min: 1, max: 1, desired: 1, diskSizeGiB: 20 }] };
        const a: Assumptions = {
            hoursPerMonth: 720, natDataGB: 100, nlbLcus: 1, logGBPerNode: 10, controlPlaneLogGB: 10, veleroS3GB: 100,
            veleroSnapshotGB: 10, karpenterExtraNodes: 0, karpenterInstanceType: "c6i.xlarge", secrets: 2,
        };
        // 720 h = 30 days, so stored log GB = monthly GB × retention / 30.
        //   control plane   0.10 × 720                                   = 72.00
        //   node group      1 × 0.0912 × 720 = 65.664                    = 65.66
        //   root volumes    20 GiB × 0.088                               =  1.76
        //   Karpenter       0 nodes                                      =  0.00
        //   NAT             720 × (0.048 + 0.005) + 100 × 0.048          = 42.96
        //   NLB             720 × (0.0252 + 1 × 0.006 + 3 × 0.005) = 33.264 = 33.26
        //   CP logs         10 × 0.57 + 10 × 30/30 × 0.03                =  6.00
        //   container logs  (1 node × 10 GB) × 0.57 + 10 × 30/30 × 0.03  =  6.00
        //   Velero S3       100 × 0.023                                  =  2.30
        //   snapshots       10 × 0.05                                    =  0.50
        //   monitoring PVCs 1 × (20 + 2) × 0.088 = 1.936                 =  1.94
        //   KMS 2 × 1.00 = 2.00; Route53 0.50; Secrets 2 × 0.40 = 0.80; SQS 0
        //   total                                                        = 235.68
        const e = estimateMonthlyCost(cfg, a);
        assert.deepEqual(e.lines.map((l) => l.monthlyUsd),
            [72, 65.66, 1.76, 0, 42.96, 33.26, 6, 6, 2.3, 0.5, 1.94, 2, 0.5, 0.8, 0]);
        assert.equal(e.totalUsd, 235.68);
    });

    it("renders table rows with a total row", () => {
        const e = estimateMonthlyCost(dev);
        const rows = costRows(e);
        assert.equal(rows.length, e.lines.length + 1);
        assert.deepEqual({ ...rows[0], basis: undefined }, { item: "EKS control plane", quantity: "1 cluster × 730 h", "USD/month": "73.00", basis: undefined });
        assert.equal(rows.at(-1)!["USD/month"], e.totalUsd.toFixed(2));
        assert.match(rows.at(-1)!.item, /Total \(dev\)/);
    });
});
