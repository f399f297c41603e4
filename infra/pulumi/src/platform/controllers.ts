// The platform controllers: metrics-server, ingress-nginx, cert-manager (+ Let's Encrypt ClusterIssuers, DNS-01 via
// Route53), external-dns, external-secrets (+ a ClusterSecretStore on Secrets Manager). Each AWS-facing controller
// gets its own IRSA role pinned to its service account. Namespaces and NetworkPolicies come from K8sBaseline.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { EksCluster } from "../cluster";
import { helmRelease, resources, restrictedContainer, type ChartRef } from "./helm";
import { certManagerDns01Policy, externalDnsPolicy, externalSecretsPolicy } from "./iam";

export const CHARTS = {
    metricsServer: { chart: "metrics-server", version: "3.12.2", repo: "https://kubernetes-sigs.github.io/metrics-server/" },
    ingressNginx: { chart: "ingress-nginx", version: "4.11.3", repo: "https://kubernetes.github.io/ingress-nginx" },
    certManager: { chart: "cert-manager", version: "v1.16.2", repo: "https://charts.jetstack.io" },
    externalDns: { chart: "external-dns", version: "1.15.0", repo: "https://kubernetes-sigs.github.io/external-dns/" },
    externalSecrets: { chart: "external-secrets", version: "0.10.7", repo: "https://charts.external-secrets.io" },
} satisfies Record<string, ChartRef>;

export const SECRET_STORE = "aws-secrets-manager";
export const ACME_SERVERS = {
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
} as const;

export interface ControllersArgs {
    env: "dev" | "prod";
    provider: k8s.Provider;
    cluster: EksCluster;
    clusterName: string;
    region: string;
    accountId: pulumi.Input<string>;
    dnsZoneName: string;
    hostedZoneId: string;
    acmeEmail: string;
    /** What the charts wait for (their namespaces); a component's dependsOn does not reach its children. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Prometheus picks up ServiceMonitors by kube-prometheus-stack's release label. */
const serviceMonitor = { enabled: true, additionalLabels: { release: "kube-prometheus-stack" } };
const irsa = (role: { arn: pulumi.Output<string> }) => ({ "eks.amazonaws.com/role-arn": role.arn });

export class PlatformControllers extends pulumi.ComponentResource {
    readonly releases: Record<keyof typeof CHARTS, k8s.helm.v3.Release>;
    readonly clusterIssuers: k8s.apiextensions.CustomResource[];
    readonly secretStore: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ControllersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:platform:Controllers", name, {}, opts);
        const k = { parent: this, provider: args.provider, dependsOn: args.dependsOn ?? [] };
        const prod = args.env === "prod";
        const replicas = prod ? 2 : 1;
        // Two replicas in prod need a PDB so a node drain never takes both.
        const pdb = prod ? { podDisruptionBudget: { enabled: true, maxUnavailable: 1 } } : {};

        const metricsServer = helmRelease("metrics-server", {
            ...CHARTS.metricsServer,
            namespace: "metrics-server",
            values: {
                replicas, ...pdb,
                resources: resources("50m", "64Mi", "256Mi"),
                securityContext: restrictedContainer,
                metrics: { enabled: true },
                serviceMonitor,
            },
        }, k);

        const ingressNginx = helmRelease("ingress-nginx", {
            ...CHARTS.ingressNginx,
            namespace: "ingress-nginx",
            values: { controller: {
                ingressClassResource: { name: "nginx", default: true },
                replicaCount: prod ? 3 : 1,
                // HPA on the controller itself: ingress load follows traffic, not node count.
                autoscaling: { enabled: prod, minReplicas: 3, maxReplicas: 9, targetCPUUtilizationPercentage: 70 },
                minAvailable: 1,
                topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } } }],
                resources: resources("100m", "256Mi", "512Mi"),
                service: { type: "LoadBalancer", externalTrafficPolicy: "Local", annotations: {
                    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                    "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
                } },
                // Snippet annotations let any Ingress author inject nginx config (CVE-2021-25742, CVE-2025-1974 class).
                allowSnippetAnnotations: false,
                config: { "use-forwarded-headers": "false", "hsts": "true", "ssl-protocols": "TLSv1.2 TLSv1.3", "enable-real-ip": "false" },
                admissionWebhooks: { enabled: true },
                // honorLabels: keep the metric's own namespace label (the SLO rules select the app's namespace).
                metrics: { enabled: true, serviceMonitor: { ...serviceMonitor, honorLabels: true } },
            } },
        }, k);

        const dnsRole = args.cluster.irsaRole(`${name}-external-dns`, "external-dns", "external-dns", externalDnsPolicy(args.hostedZoneId));
        const externalDns = helmRelease("external-dns", {
            ...CHARTS.externalDns,
            namespace: "external-dns",
            values: {
                provider: { name: "aws" },
                env: [{ name: "AWS_DEFAULT_REGION", value: args.region }],
                domainFilters: [args.dnsZoneName],
                // upsert-only: external-dns never deletes a record, so a bad Ingress cannot take down others' names.
                policy: prod ? "upsert-only" : "sync",
                registry: "txt",
                txtOwnerId: args.clusterName,
                sources: ["ingress", "service"],
                serviceAccount: { create: true, name: "external-dns", annotations: irsa(dnsRole) },
                resources: resources("20m", "64Mi", "128Mi"),
                securityContext: restrictedContainer,
                serviceMonitor,
            },
        }, k);

        const certRole = args.cluster.irsaRole(`${name}-cert-manager`, "cert-manager", "cert-manager", certManagerDns01Policy(args.hostedZoneId));
        const certManager = helmRelease("cert-manager", {
            ...CHARTS.certManager,
            namespace: "cert-manager",
            values: {
                crds: { enabled: true, keep: true }, // keep: uninstalling the chart must not delete every Certificate
                replicaCount: replicas, ...pdb,
                serviceAccount: { name: "cert-manager", annotations: irsa(certRole) },
                // Route53's recursive check must see the public zone, not a split-horizon resolver.
                extraArgs: ["--dns01-recursive-nameservers-only", "--dns01-recursive-nameservers=8.8.8.8:53,1.1.1.1:53"],
                securityContext: { runAsNonRoot: true, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } }, // fsGroup: read the IRSA token
                containerSecurityContext: restrictedContainer,
                resources: resources("50m", "128Mi", "256Mi"),
                webhook: { replicaCount: replicas, resources: resources("20m", "64Mi", "128Mi"), containerSecurityContext: restrictedContainer },
                cainjector: { replicaCount: replicas, resources: resources("20m", "128Mi", "256Mi"), containerSecurityContext: restrictedContainer },
                prometheus: { enabled: true, servicemonitor: { enabled: true, labels: { release: "kube-prometheus-stack" } } },
            },
        }, k);

        // Both issuers exist in every environment: staging for trials (no rate limits), prod for real certificates.
        this.clusterIssuers = Object.entries(ACME_SERVERS).map(([issuer, server]) => new k8s.apiextensions.CustomResource(`${name}-${issuer}`, {
            apiVersion: "cert-manager.io/v1",
            kind: "ClusterIssuer",
            metadata: { name: issuer },
            spec: { acme: {
                server,
                email: args.acmeEmail,
                privateKeySecretRef: { name: `${issuer}-account-key` },
                solvers: [{
                    selector: { dnsZones: [args.dnsZoneName] },
                    dns01: { route53: { region: args.region, hostedZoneID: args.hostedZoneId } }, // ambient IRSA credentials
                }],
            } },
        }, { ...k, dependsOn: [certManager] }));

        const secretsRole = args.cluster.irsaRole(`${name}-external-secrets`, "external-secrets", "external-secrets",
            externalSecretsPolicy(args.region, args.accountId, args.clusterName));
        const externalSecrets = helmRelease("external-secrets", {
            ...CHARTS.externalSecrets,
            namespace: "external-secrets",
            values: {
                installCRDs: true,
                replicaCount: replicas, ...pdb,
                serviceAccount: { name: "external-secrets", annotations: irsa(secretsRole) },
                resources: resources("50m", "128Mi", "256Mi"),
                securityContext: restrictedContainer,
                webhook: { replicaCount: replicas, resources: resources("20m", "64Mi", "128Mi"), securityContext: restrictedContainer },
                certController: { resources: resources("20m", "64Mi", "128Mi"), securityContext: restrictedContainer },
                serviceMonitor,
            },
        }, k);
        this.secretStore = new k8s.apiextensions.CustomResource(`${name}-secret-store`, {
            apiVersion: "external-secrets.io/v1beta1",
            kind: "ClusterSecretStore",
            metadata: { name: SECRET_STORE },
            // No auth block: the controller's own IRSA role, which reads only <cluster>/* secrets.
            spec: { provider: { aws: { service: "SecretsManager", region: args.region } } },
        }, { ...k, dependsOn: [externalSecrets] });

        this.releases = { metricsServer, ingressNginx, certManager, externalDns, externalSecrets };
        this.registerOutputs({});
    }
}
