// The [07] checklist, each item tied to the resources that implement it and the offline tests that verify it.
// One place: the README's traceability table, the notebook's checklist and the results metrics all come from here,
// and tests/infra/checklist.test.ts fails if a named test does not exist.

export interface ChecklistItem {
    area: "cluster and network" | "platform" | "sample app" | "verification";
    item: string;
    /** Where it lives: component classes and Pulumi types. */
    resources: string;
    /** Titles of the mocha tests (exact `it` titles) that verify it; each must exist and pass. */
    tests: string[];
}

export const CHECKLIST: ChecklistItem[] = [
    { area: "cluster and network", item: "Per-environment stacks (dev, prod) with validated config",
        resources: "Pulumi.dev.yaml, Pulumi.prod.yaml, config.ts resolveConfig",
        tests: ["applies per-environment defaults", "rejects invalid settings with a clear message"] },
    { area: "cluster and network", item: "VPC across 3 AZs with private node subnets",
        resources: "Network: aws.ec2.Vpc, Subnet x6, InternetGateway, RouteTable",
        tests: ["VPC across 3 AZs with public LB subnets and private node subnets"] },
    { area: "cluster and network", item: "NAT gateway per zone (one in dev)",
        resources: "Network: aws.ec2.NatGateway, Eip, private RouteTables",
        tests: ["NAT gateways: one per AZ, private routes egress through them", "NAT gateways: one, private routes egress through them"] },
    { area: "cluster and network", item: "Private API endpoint or an allow-list",
        resources: "EksCluster: aws.eks.Cluster vpcConfig",
        tests: ["API endpoint: private on, no public endpoint", "API endpoint: private on, public only via allow-list"] },
    { area: "cluster and network", item: "KMS encryption of secrets",
        resources: "EksCluster: aws.kms.Key (rotation), encryptionConfig",
        tests: ["secrets encrypted with a rotating KMS key"] },
    { area: "cluster and network", item: "Control-plane logs",
        resources: "EksCluster: enabledClusterLogTypes, aws.cloudwatch.LogGroup (retention)",
        tests: ["all control-plane logs into a log group with retention"] },
    { area: "cluster and network", item: "Access entries",
        resources: "EksCluster: accessConfig API, aws.eks.AccessEntry, AccessPolicyAssociation",
        tests: ["access entries: API mode, admin entry with the cluster-admin access policy"] },
    { area: "cluster and network", item: "Managed node groups",
        resources: "EksCluster: aws.eks.NodeGroup, LaunchTemplate (IMDSv2, encrypted gp3)",
        tests: ["managed node groups in private subnets with IMDSv2 and encrypted EBS"] },
    { area: "cluster and network", item: "Karpenter",
        resources: "Karpenter: helm Release, NodePool, EC2NodeClass, SQS interruption queue, EventBridge rules, node role + access entry",
        tests: [
            "Karpenter: interruption queue (encrypted) fed by all four EventBridge rules; nodes join by access entry",
            "Karpenter NodePool and EC2NodeClass: per-env capacity and CPU limit, pinned AMI, IMDSv2, encrypted disks",
        ] },
    { area: "cluster and network", item: "IRSA for every controller, least-privilege IAM",
        resources: "EksCluster.irsaRole, OpenIdConnectProvider, platform/iam.ts policy documents",
        tests: [
            "OIDC provider for IRSA; irsaRole pins the exact service account subject and audience",
            "every IRSA annotation names a role whose trust pins exactly that chart's namespace and service account",
            "controller roles are least privilege: Resource \"*\" only on read-only actions",
            "Karpenter may pass only its node role, only to EC2, and launches only tagged for this cluster",
        ] },
    { area: "platform", item: "metrics-server",
        resources: "PlatformControllers: helm Release metrics-server",
        tests: ["metrics-server is installed (HPA resource metrics), with a PDB and 2 replicas in prod"] },
    { area: "platform", item: "HPA and PodDisruptionBudget defaults",
        resources: "SampleApp HPA + PDB; chart PDBs and ingress-nginx HPA in prod",
        tests: ["HPA autoscaling/v2 on 70% CPU within the configured bounds; the Deployment leaves replicas to it", "sample app: Deployment, Service, Ingress, HPA, PDB, ServiceMonitor wired by one label set", "metrics-server is installed (HPA resource metrics), with a PDB and 2 replicas in prod"] },
    { area: "platform", item: "Ingress controller",
        resources: "PlatformControllers: helm Release ingress-nginx (NLB)",
        tests: ["ingress-nginx: NLB, snippets off, HPA in prod, metrics scraped by Prometheus"] },
    { area: "platform", item: "cert-manager with Let's Encrypt staging and prod ClusterIssuers (DNS-01, Route53)",
        resources: "PlatformControllers: helm Release cert-manager, ClusterIssuer x2, IRSA role",
        tests: [
            "cert-manager: CRDs kept on uninstall; staging and prod ClusterIssuers solve DNS-01 in the zone",
            "external-dns writes only the configured zone; cert-manager only _acme-challenge TXT records there",
        ] },
    { area: "platform", item: "external-dns",
        resources: "PlatformControllers: helm Release external-dns, IRSA role",
        tests: ["external-dns writes only the configured zone; cert-manager only _acme-challenge TXT records there"] },
    { area: "platform", item: "kube-prometheus-stack: Prometheus, Alertmanager routes and receivers, Grafana",
        resources: "Monitoring: helm Releases prometheus-operator-crds + kube-prometheus-stack, ExternalSecrets for credentials",
        tests: [
            "kube-prometheus-stack: pinned chart from prometheus-community, atomic, into monitoring",
            "Prometheus selects ServiceMonitors, PodMonitors and rules by the release label, in every namespace",
            "Alertmanager: Watchdog → heartbeat first, critical → pager, warning → chat, critical inhibits warning",
            "receiver and Grafana credentials come from ExternalSecrets through the ClusterSecretStore",
            "no credential in any values: receivers read *_file paths from the mounted receivers Secret",
            "Grafana: default dashboards on, admin login from the Secret, stateless (no PVC)",
            "promtool test rules: Watchdog is always firing",
        ] },
    { area: "platform", item: "PrometheusRules for node, pod and cluster health",
        resources: "Monitoring: PrometheusRule objects from alert-rules.ts",
        tests: [
            "PrometheusRules in monitoring carry the release label: node, pod, cluster, meta and SLO groups",
            "every alert has a severity, a summary and a description, and a valid for",
            "promtool check rules accepts every group, lint warnings fatal",
            "promtool test rules: NodeNotReady fires after its 10m for, and only for the node that is not ready",
            "promtool test rules: a crash-looping container fires PodCrashLooping after 15m",
            "promtool test rules: a restart whose last termination was OOMKilled fires ContainerOOMKilled, and clears",
            "promtool test rules: a certificate 10 days from expiry tickets (warning), it does not page",
        ] },
    { area: "platform", item: "SLO burn-rate alert for the sample app",
        resources: "Monitoring: multi-window burn-rate PrometheusRule on ingress-nginx metrics",
        tests: [
            "the SLO group watches the app's ingress in its namespace over the four burn windows",
            "burn windows and factors are the SRE workbook's: pages at 14.4x (1h/5m) and 6x (6h/30m), tickets at 3x and 1x",
            "promtool test rules: 2% 5xx: the 1h/5m fast burn pages within minutes, 6h/30m and 1d/2h follow after their for",
            "promtool test rules: 0.05% 5xx (half the budget) fires nothing, on any window",
            "promtool test rules: 0.2% 5xx opens only the slow-burn ticket, after 3 hours",
        ] },
    { area: "platform", item: "Log shipping",
        resources: "LogShipping: helm Release fluent-bit (DaemonSet in node-agents), CloudWatch LogGroup, IRSA role",
        tests: [
            "fluent-bit: pinned DaemonSet in node-agents on every node, SA bound to the role, CloudWatch output",
            "fluent-bit IRSA role: trust pinned to node-agents/fluent-bit, writes only to its own log group",
            "container log group /aws/eks/k8s-dev/containers keeps logs 30 days",
            "container log group /aws/eks/k8s-prod/containers keeps logs 90 days",
        ] },
    { area: "platform", item: "Default-deny NetworkPolicies",
        resources: "K8sBaseline: NetworkPolicy default-deny-all + explicit allows (DNS, HTTPS, webhooks, scrapes)",
        tests: [
            "every namespace has a default-deny-all (ingress and egress) NetworkPolicy and DNS egress",
            "ingress controller may reach the app namespace, and only it and Prometheus may enter it",
            "admission webhooks are reachable from the control plane (VPC CIDR) through default-deny",
        ] },
    { area: "platform", item: "Pod Security Admission restricted labels",
        resources: "K8sBaseline: Namespace labels",
        tests: ["platform and app namespaces exist, each with PSA labels; only node-agents is looser, with a reason"] },
    { area: "platform", item: "external-secrets",
        resources: "PlatformControllers: helm Release external-secrets, ClusterSecretStore, IRSA role",
        tests: ["external-secrets: a ClusterSecretStore on Secrets Manager; its role reads only <cluster>/* secrets"] },
    { area: "platform", item: "Velero backups",
        resources: "Backups: S3 bucket (private, versioned, KMS), helm Release velero with daily schedule, IRSA role",
        tests: ["Velero: private versioned KMS bucket, daily schedule with the configured retention, IRSA without static keys"] },
    { area: "sample app", item: "Deployment, Service, Ingress with certificate, HPA, PDB, ServiceMonitor",
        resources: "SampleApp (kv-node)",
        tests: [
            "sample app: Deployment, Service, Ingress, HPA, PDB, ServiceMonitor wired by one label set",
            "hardened pod spec: non-root, read-only root fs, no caps, seccomp, resources, probes, pinned image",
            "Ingress: class nginx, TLS for the configured host via cert-manager production issuer",
            "Ingress: class nginx, TLS for the configured host via cert-manager staging issuer",
            "HPA autoscaling/v2 on 70% CPU within the configured bounds; the Deployment leaves replicas to it",
        ] },
    { area: "verification", item: "Policy pack of at least 20 policies, each tested passing and failing",
        resources: "infra/pulumi/policy (CrossGuard)",
        tests: ["has at least 20 policies with unique names and descriptions", "every policy has a test titled with its name", "every resource passes every mandatory policy of the pack", "every Kubernetes object passes every mandatory policy of the pack"] },
    { area: "verification", item: "Every Kubernetes object and Helm values object schema-validated",
        resources: "tests/infra/schema.ts: kubernetes-models + infra/pulumi/schemas",
        tests: ["every Kubernetes object (core API and CRDs) is valid against its schema", "every Helm release's values are valid against its chart's values schema"] },
];

/** The README's traceability table (tests/infra/checklist.test.ts keeps infra/pulumi/README.md in step with it). */
export function traceabilityMarkdown(items: ChecklistItem[] = CHECKLIST): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    return [
        "| # | area | item | resources | verified by (test titles) |",
        "|---|---|---|---|---|",
        ...items.map((c, i) => `| ${i + 1} | ${c.area} | ${cell(c.item)} | ${cell(c.resources)} | ${c.tests.map((t) => cell(t)).join("<br>")} |`),
    ].join("\n");
}
