// Monthly cost estimate of one environment of the EKS stack (infra/pulumi): list prices × what the config fixes ×
// usage assumptions for what it does not. An order-of-magnitude budget aid, not a bill.
import type { StackConfig } from "../../infra/pulumi/src/config";
import { CONTAINER_LOG_RETENTION_DAYS, KARPENTER_ROOT_GIB, MONITORING_VOLUMES } from "../../infra/pulumi/src/platform/sizing";

export const PRICES_AS_OF = "2024-12";
export const PRICES_SOURCE =
    "AWS eu-west-1 on-demand list prices in USD as known at the time of writing; check them against the AWS Pricing Calculator before budgeting.";

export interface PriceTable {
    region: "eu-west-1";
    eksClusterHour: number; // standard support; extended support (old versions) is 0.60
    ec2Hour: Record<string, number>; // Linux on-demand
    natGatewayHour: number;
    natGatewayGB: number; // processed
    nlbHour: number;
    nlbLcuHour: number;
    ebsGp3GBMonth: number; // baseline 3000 IOPS / 125 MB/s included
    ebsSnapshotGBMonth: number;
    logsIngestGB: number; // CloudWatch Logs, Standard class
    logsStorageGBMonth: number;
    s3StandardGBMonth: number; // first 50 TB
    kmsKeyMonth: number; // customer-managed key; requests are cents at this scale
    route53ZoneMonth: number; // first 25 zones; queries are cents at this scale
    secretsManagerSecretMonth: number;
    sqsMillionRequests: number; // first million a month free
    publicIpv4Hour: number; // every public IPv4, in use or not, since Feb 2024
}

export const PRICES: PriceTable = {
    region: "eu-west-1",
    eksClusterHour: 0.10,
    ec2Hour: {
        "t3.large": 0.0912,
        "m6i.large": 0.107,
        "m6i.xlarge": 0.214,
        "m5.xlarge": 0.214,
        "c6i.xlarge": 0.192,
        "r6i.xlarge": 0.282,
    },
    natGatewayHour: 0.048,
    natGatewayGB: 0.048,
    nlbHour: 0.0252,
    nlbLcuHour: 0.006,
    ebsGp3GBMonth: 0.088,
    ebsSnapshotGBMonth: 0.05,
    logsIngestGB: 0.57,
    logsStorageGBMonth: 0.03,
    s3StandardGBMonth: 0.023,
    kmsKeyMonth: 1.0,
    route53ZoneMonth: 0.50,
    secretsManagerSecretMonth: 0.40,
    sqsMillionRequests: 0.40,
    publicIpv4Hour: 0.005,
};

/** Usage the stack config does not fix. */
export interface Assumptions {
    hoursPerMonth: number;
    /** GB a month through the NAT gateways, all of them together (image pulls, AWS APIs without VPC endpoints). */
    natDataGB: number;
    /** Average NLB capacity units of ingress-nginx's load balancer. */
    nlbLcus: number;
    /** Container log GB a month ingested per node (managed and Karpenter nodes). */
    logGBPerNode: number;
    /** Control-plane log GB a month; the audit log dominates and grows with API traffic, not with nodes. */
    controlPlaneLogGB: number;
    /** Velero object backups kept in S3 (manifests: small) and incremental EBS snapshot GB of the PVCs. */
    veleroS3GB: number;
    veleroSnapshotGB: number;
    /** Karpenter nodes on top of the node groups, averaged over the month, priced on demand. */
    karpenterExtraNodes: number;
    karpenterInstanceType: string;
    /** Secrets Manager secrets read through external-secrets (Alertmanager receivers, app credentials). */
    secrets: number;
}

export const DEFAULT_ASSUMPTIONS: Record<"dev" | "prod", Assumptions> = {
    dev: {
        hoursPerMonth: 730, natDataGB: 50, nlbLcus: 1, logGBPerNode: 5, controlPlaneLogGB: 10,
        veleroS3GB: 2, veleroSnapshotGB: 20, karpenterExtraNodes: 0.5, karpenterInstanceType: "m6i.xlarge", secrets: 5,
    },
    prod: {
        hoursPerMonth: 730, natDataGB: 500, nlbLcus: 3, logGBPerNode: 15, controlPlaneLogGB: 50,
        veleroS3GB: 10, veleroSnapshotGB: 300, karpenterExtraNodes: 2, karpenterInstanceType: "m6i.xlarge", secrets: 20,
    },
};

const KMS_KEYS = 2; // EKS secrets envelope key (cluster.ts), Velero bucket key (backups.ts)

export interface CostLine { item: string; quantity: string; monthlyUsd: number; basis: string }
export interface CostEstimate { env: StackConfig["env"]; lines: CostLine[]; totalUsd: number }

const cents = (x: number) => Math.round((x + Number.EPSILON) * 100) / 100;

function hourly(type: string): number {
    const p = PRICES.ec2Hour[type];
    if (p === undefined) throw new Error(`No eu-west-1 price for instance type "${type}"; add it to PRICES.ec2Hour.`);
    return p;
}

export function estimateMonthlyCost(cfg: StackConfig, assumptions: Assumptions = DEFAULT_ASSUMPTIONS[cfg.env]): CostEstimate {
    const a = assumptions;
    const h = a.hoursPerMonth;
    const days = h / 24;
    const lines: CostLine[] = [];
    const add = (item: string, quantity: string, usd: number, basis: string) => lines.push({ item, quantity, monthlyUsd: cents(usd), basis });

    add("EKS control plane", `1 cluster × ${h} h`, PRICES.eksClusterHour * h, `$${PRICES.eksClusterHour}/cluster-hour (standard support)`);

    for (const g of cfg.nodeGroups) {
        const type = g.instanceTypes[0];
        const note = g.instanceTypes.length > 1 ? `; priced as the first of ${g.instanceTypes.join(", ")}` : "";
        add(`Node group ${g.name}`, `${g.desired} × ${type} × ${h} h`, g.desired * hourly(type) * h, `$${hourly(type)}/h on demand, desired count${note}`);
    }
    const rootGiB = cfg.nodeGroups.reduce((s, g) => s + g.desired * g.diskSizeGiB, 0);
    add("Node root volumes (gp3)", `${rootGiB} GiB`, rootGiB * PRICES.ebsGp3GBMonth, `desired × diskSizeGiB at $${PRICES.ebsGp3GBMonth}/GB-month`);

    const k = a.karpenterExtraNodes;
    add("Karpenter extra nodes", `${k} × ${a.karpenterInstanceType} + ${KARPENTER_ROOT_GIB} GiB gp3`,
        k * (hourly(a.karpenterInstanceType) * h + KARPENTER_ROOT_GIB * PRICES.ebsGp3GBMonth),
        `assumed monthly average, on-demand price${cfg.karpenterCapacityTypes.includes("spot") ? " (spot would be cheaper)" : ""}`);

    const nats = cfg.natGateways === "perAz" ? cfg.azCount : 1;
    add("NAT gateways", `${nats} × ${h} h + ${a.natDataGB} GB`,
        nats * h * (PRICES.natGatewayHour + PRICES.publicIpv4Hour) + a.natDataGB * PRICES.natGatewayGB,
        `$${PRICES.natGatewayHour}/h + $${PRICES.publicIpv4Hour}/h per Elastic IP + $${PRICES.natGatewayGB}/GB processed (${cfg.natGateways})`);

    // Internet-facing NLB: one public IPv4 per AZ subnet it spans.
    add("NLB (ingress-nginx)", `1 × ${h} h + ${a.nlbLcus} LCU + ${cfg.azCount} IPv4`,
        h * (PRICES.nlbHour + a.nlbLcus * PRICES.nlbLcuHour + cfg.azCount * PRICES.publicIpv4Hour),
        `$${PRICES.nlbHour}/h + $${PRICES.nlbLcuHour}/LCU-hour + $${PRICES.publicIpv4Hour}/h per public IPv4`);

    // Stored volume at steady state = daily ingestion × retention days (uncompressed: an upper bound).
    const logs = (item: string, gb: number, retentionDays: number) =>
        add(item, `${gb} GB/month, ${retentionDays} d retention`,
            gb * PRICES.logsIngestGB + (gb / days) * retentionDays * PRICES.logsStorageGBMonth,
            `$${PRICES.logsIngestGB}/GB ingested + $${PRICES.logsStorageGBMonth}/GB-month stored`);
    logs("CloudWatch Logs: control plane", a.controlPlaneLogGB, cfg.logRetentionDays);
    const nodes = cfg.nodeGroups.reduce((s, g) => s + g.desired, 0) + k;
    logs("CloudWatch Logs: containers", a.logGBPerNode * nodes, CONTAINER_LOG_RETENTION_DAYS[cfg.env]);

    add("Velero backups (S3 Standard)", `${a.veleroS3GB} GB`, a.veleroS3GB * PRICES.s3StandardGBMonth, `assumed stored GB at $${PRICES.s3StandardGBMonth}/GB-month`);
    add("Velero volume snapshots (EBS)", `${a.veleroSnapshotGB} GB`, a.veleroSnapshotGB * PRICES.ebsSnapshotGBMonth,
        `assumed incremental snapshot GB at $${PRICES.ebsSnapshotGBMonth}/GB-month, ${cfg.backupRetentionDays} d retention`);

    const mon = MONITORING_VOLUMES[cfg.env];
    const monGiB = mon.replicas * (mon.prometheusGiB + mon.alertmanagerGiB);
    add("Prometheus + Alertmanager PVCs (gp3)", `${mon.replicas} × (${mon.prometheusGiB} + ${mon.alertmanagerGiB}) GiB`,
        monGiB * PRICES.ebsGp3GBMonth, `sizes from platform/monitoring.ts at $${PRICES.ebsGp3GBMonth}/GB-month`);

    add("KMS keys", `${KMS_KEYS} keys`, KMS_KEYS * PRICES.kmsKeyMonth, `EKS secrets + Velero at $${PRICES.kmsKeyMonth}/key-month`);
    add("Route53 hosted zone", "1 zone", PRICES.route53ZoneMonth, `$${PRICES.route53ZoneMonth}/zone-month; queries not counted`);
    add("Secrets Manager", `${a.secrets} secrets`, a.secrets * PRICES.secretsManagerSecretMonth, `$${PRICES.secretsManagerSecretMonth}/secret-month`);
    add("SQS (Karpenter interruptions)", "< 1M requests", 0, "within the free tier of 1M requests/month");

    return { env: cfg.env, lines, totalUsd: cents(lines.reduce((s, l) => s + l.monthlyUsd, 0)) };
}

export type CostRow = { item: string; quantity: string; "USD/month": string; basis: string };

/** Table rows, money as fixed two decimals, with a closing total row. */
export function costRows(estimate: CostEstimate): CostRow[] {
    return [
        ...estimate.lines.map((l) => ({ item: l.item, quantity: l.quantity, "USD/month": l.monthlyUsd.toFixed(2), basis: l.basis })),
        { item: `Total (${estimate.env})`, quantity: "", "USD/month": estimate.totalUsd.toFixed(2), basis: `${PRICES.region} list prices as of ${PRICES_AS_OF}` },
    ];
}
