// Typed per-environment stack settings: defaults per environment, overrides from stack config, validation.
import * as pulumi from "@pulumi/pulumi";
import type { QuotaSize } from "./k8s-baseline";

export type Env = "dev" | "prod";
export type NatMode = "perAz" | "single";

export interface NodeGroupConfig {
    name: string;
    instanceTypes: string[];
    min: number;
    max: number;
    desired: number;
    diskSizeGiB: number;
}

export interface StackConfig {
    env: Env;
    region: string;
    azCount: number;
    natGateways: NatMode;
    vpcCidr: string;
    /** Public API endpoint allow-list; empty means no public endpoint at all. */
    endpointPublicAccessCidrs: string[];
    privateEndpoint: boolean;
    /** IAM principal that gets the cluster-admin access entry. */
    adminPrincipalArn: string;
    kubernetesVersion: string;
    logRetentionDays: number;
    nodeGroups: NodeGroupConfig[];
    /** Public host name of the sample app's Ingress (its certificate comes from cert-manager). */
    appHost: string;
    /** HPA bounds of the sample app. */
    appReplicas: number;
    appMaxReplicas: number;
    /** ResourceQuota of each app namespace. */
    appQuota: QuotaSize;
    /** Route53 public zone that external-dns writes and cert-manager solves DNS-01 in (it exists already). */
    dnsZoneName: string;
    hostedZoneId: string;
    /** Let's Encrypt account e-mail (expiry warnings). */
    acmeEmail: string;
    /** Velero keeps daily backups this long. */
    backupRetentionDays: number;
    /** Karpenter: total vCPU it may provision, and which capacity types. */
    karpenterCpuLimit: number;
    karpenterCapacityTypes: ("on-demand" | "spot")[];
}

export const DEFAULTS: Record<Env, Omit<StackConfig, "adminPrincipalArn">> = {
    dev: {
        env: "dev",
        region: "eu-west-1",
        azCount: 3,
        natGateways: "single", // one NAT saves ~2x $32/month; an AZ outage only hits dev egress
        vpcCidr: "10.10.0.0/16",
        endpointPublicAccessCidrs: ["203.0.113.0/24"], // office/VPN range (documentation range as placeholder)
        privateEndpoint: true,
        kubernetesVersion: "1.31",
        logRetentionDays: 30,
        nodeGroups: [{ name: "general", instanceTypes: ["t3.large"], min: 1, max: 3, desired: 2, diskSizeGiB: 50 }],
        appHost: "kv.dev.example.com",
        appReplicas: 2,
        appMaxReplicas: 4,
        appQuota: { cpu: "4", memory: "8Gi", memoryLimit: "16Gi", pods: "50" },
        dnsZoneName: "dev.example.com",
        hostedZoneId: "Z0DEVEXAMPLE00000000",
        acmeEmail: "platform@example.com",
        backupRetentionDays: 7,
        karpenterCpuLimit: 32,
        karpenterCapacityTypes: ["spot", "on-demand"], // dev tolerates interruptions for ~60% off
    },
    prod: {
        env: "prod",
        region: "eu-west-1",
        azCount: 3,
        natGateways: "perAz", // egress survives the loss of one AZ
        vpcCidr: "10.20.0.0/16",
        endpointPublicAccessCidrs: [], // private endpoint only: operators come in over VPN / SSM
        privateEndpoint: true,
        kubernetesVersion: "1.31",
        logRetentionDays: 365,
        nodeGroups: [
            { name: "system", instanceTypes: ["m6i.large"], min: 3, max: 6, desired: 3, diskSizeGiB: 50 },
            { name: "apps", instanceTypes: ["m6i.xlarge", "m5.xlarge"], min: 3, max: 12, desired: 3, diskSizeGiB: 100 },
        ],
        appHost: "kv.example.com",
        appReplicas: 3, // one per AZ
        appMaxReplicas: 12,
        appQuota: { cpu: "16", memory: "32Gi", memoryLimit: "64Gi", pods: "200" },
        dnsZoneName: "example.com",
        hostedZoneId: "Z0PRODEXAMPLE0000000",
        acmeEmail: "platform@example.com",
        backupRetentionDays: 30,
        karpenterCpuLimit: 256,
        karpenterCapacityTypes: ["on-demand"],
    },
};

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
export function isCidr(s: string): boolean {
    const m = CIDR.exec(s);
    return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/** Merges overrides onto the environment defaults and throws one error listing every problem. */
export function resolveConfig(env: string, overrides: Partial<StackConfig> & { adminPrincipalArn?: string }): StackConfig {
    if (env !== "dev" && env !== "prod") throw new Error(`Invalid stack config: environment must be "dev" or "prod", got "${env}".`);
    const c: StackConfig = { ...DEFAULTS[env], adminPrincipalArn: "", ...stripUndefined(overrides), env };
    const errors: string[] = [];
    if (!Number.isInteger(c.azCount) || c.azCount < 3) errors.push(`azCount must be an integer >= 3 (got ${c.azCount})`);
    if (c.natGateways !== "perAz" && c.natGateways !== "single") errors.push(`natGateways must be "perAz" or "single" (got ${c.natGateways})`);
    if (!isCidr(c.vpcCidr) || Number(c.vpcCidr.split("/")[1]) > 20) errors.push(`vpcCidr must be an IPv4 CIDR of /20 or larger (got ${c.vpcCidr})`);
    for (const cidr of c.endpointPublicAccessCidrs) {
        if (!isCidr(cidr)) errors.push(`endpointPublicAccessCidrs: "${cidr}" is not an IPv4 CIDR`);
        else if (cidr.endsWith("/0")) errors.push(`endpointPublicAccessCidrs must not contain ${cidr}`);
    }
    if (!c.privateEndpoint && c.endpointPublicAccessCidrs.length === 0) errors.push("the API endpoint needs privateEndpoint or a public allow-list");
    if (!/^arn:aws[\w-]*:iam::\d{12}:(role|user)\/.+$/.test(c.adminPrincipalArn)) errors.push(`adminPrincipalArn must be an IAM role/user ARN (got "${c.adminPrincipalArn}")`);
    if (!/^1\.\d{2}$/.test(c.kubernetesVersion)) errors.push(`kubernetesVersion must look like 1.31 (got ${c.kubernetesVersion})`);
    if (!(c.logRetentionDays > 0)) errors.push("logRetentionDays must be positive");
    if (c.nodeGroups.length === 0) errors.push("at least one node group is required");
    for (const g of c.nodeGroups) {
        if (!(0 <= g.min && g.min <= g.desired && g.desired <= g.max && g.max > 0)) errors.push(`node group ${g.name}: need 0 <= min <= desired <= max, max > 0`);
        if (!g.instanceTypes?.length) errors.push(`node group ${g.name}: instanceTypes is empty`);
    }
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(c.appHost)) errors.push(`appHost must be a lower-case DNS name (got "${c.appHost}")`);
    if (!Number.isInteger(c.appReplicas) || c.appReplicas < 1) errors.push(`appReplicas must be an integer >= 1 (got ${c.appReplicas})`);
    if (!Number.isInteger(c.appMaxReplicas) || c.appMaxReplicas < c.appReplicas) errors.push(`appMaxReplicas must be an integer >= appReplicas (got ${c.appMaxReplicas})`);
    if (!/^Z[0-9A-Z]{1,31}$/.test(c.hostedZoneId)) errors.push(`hostedZoneId must be a Route53 zone id like Z0123... (got "${c.hostedZoneId}")`);
    if (!(c.appHost === c.dnsZoneName || c.appHost.endsWith(`.${c.dnsZoneName}`))) errors.push(`appHost ${c.appHost} must lie in dnsZoneName ${c.dnsZoneName} (external-dns and DNS-01 only write there)`);
    if (!/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(c.acmeEmail)) errors.push(`acmeEmail must be an e-mail address (got "${c.acmeEmail}")`);
    if (!Number.isInteger(c.backupRetentionDays) || c.backupRetentionDays < 1) errors.push(`backupRetentionDays must be an integer >= 1 (got ${c.backupRetentionDays})`);
    if (!(c.karpenterCpuLimit > 0)) errors.push(`karpenterCpuLimit must be positive (got ${c.karpenterCpuLimit})`);
    if (!c.karpenterCapacityTypes.length || c.karpenterCapacityTypes.some((t) => t !== "on-demand" && t !== "spot")) errors.push(`karpenterCapacityTypes must be a non-empty list of on-demand/spot`);
    if (env === "prod") {
        // Prod guard rails: these mirror the policy pack so a bad stack file fails before preview.
        if (c.natGateways !== "perAz") errors.push("prod needs natGateways: perAz");
        if (!c.privateEndpoint) errors.push("prod needs privateEndpoint: true");
        if (c.appReplicas < 2) errors.push("prod needs appReplicas >= 2 (a PDB cannot protect a single replica)");
    }
    if (errors.length) throw new Error(`Invalid stack config for ${env}:\n  - ${errors.join("\n  - ")}`);
    return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads the selected stack's config (Pulumi.<stack>.yaml) under the project namespace. */
export function loadConfig(): StackConfig {
    const cfg = new pulumi.Config();
    const aws = new pulumi.Config("aws");
    return resolveConfig(cfg.require("environment"), {
        region: aws.get("region"),
        azCount: cfg.getNumber("azCount"),
        natGateways: cfg.get("natGateways") as NatMode | undefined,
        vpcCidr: cfg.get("vpcCidr"),
        endpointPublicAccessCidrs: cfg.getObject<string[]>("endpointPublicAccessCidrs"),
        privateEndpoint: cfg.getBoolean("privateEndpoint"),
        adminPrincipalArn: cfg.require("adminPrincipalArn"),
        kubernetesVersion: cfg.get("kubernetesVersion"),
        logRetentionDays: cfg.getNumber("logRetentionDays"),
        nodeGroups: cfg.getObject<NodeGroupConfig[]>("nodeGroups"),
        appHost: cfg.get("appHost"),
        appReplicas: cfg.getNumber("appReplicas"),
        appMaxReplicas: cfg.getNumber("appMaxReplicas"),
        appQuota: cfg.getObject<QuotaSize>("appQuota"),
        dnsZoneName: cfg.get("dnsZoneName"),
        hostedZoneId: cfg.get("hostedZoneId"),
        acmeEmail: cfg.get("acmeEmail"),
        backupRetentionDays: cfg.getNumber("backupRetentionDays"),
        karpenterCpuLimit: cfg.getNumber("karpenterCpuLimit"),
        karpenterCapacityTypes: cfg.getObject<("on-demand" | "spot")[]>("karpenterCapacityTypes"),
    });
}
