// kube-prometheus-stack (Prometheus Operator, Prometheus, Alertmanager, Grafana, node-exporter, kube-state-metrics),
// our PrometheusRules (alert-rules.ts) and receiver credentials from AWS Secrets Manager via external-secrets.
// Network access (scrape egress, the operator's webhook, ingress from monitoring everywhere) is K8sBaseline's.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { Env } from "../config";
import { MONITORING_NAMESPACE } from "../k8s-baseline";
import { helmRelease, resources, restrictedContainer, type ChartRef } from "./helm";
import { platformRuleGroups, REPLACED_DEFAULT_ALERTS, sloRules, type RuleGroup } from "./alert-rules";
import { NODE_AGENTS_NAMESPACE } from "./logging";
import { MONITORING_VOLUMES } from "./sizing";

/** Values written against charts/kube-prometheus-stack/values.yaml (infra/pulumi/schemas/kube-prometheus-stack.values.schema.json). */
export const KUBE_PROMETHEUS_STACK: ChartRef = {
    chart: "kube-prometheus-stack", version: "67.8.0", repo: "https://prometheus-community.github.io/helm-charts",
};
/** The operator's CRDs as their own, first release: every chart's ServiceMonitor needs them, while kube-prometheus-stack
 *  itself waits for external-secrets (whose chart ships a ServiceMonitor), so the CRDs cannot come with it. */
export const PROMETHEUS_OPERATOR_CRDS: ChartRef = {
    chart: "prometheus-operator-crds", version: "17.0.2", repo: "https://prometheus-community.github.io/helm-charts",
};
export const RELEASE = "kube-prometheus-stack";
/** The label Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by (the chart's own carry it too). */
export const RELEASE_LABEL = { release: RELEASE };
export const ALERTMANAGER_SECRET = "alertmanager-receivers";
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** alertmanagerSpec.secrets mounts each listed Secret here; the config reads credentials with *_file keys. */
export const RECEIVER_SECRET_DIR = `/etc/alertmanager/secrets/${ALERTMANAGER_SECRET}`;
/** Keys of the receivers Secret ← properties of the AWS Secrets Manager secret `<cluster>/alertmanager`. */
export const RECEIVER_KEYS = { "pagerduty-routing-key": "pagerduty_routing_key", "slack-webhook-url": "slack_webhook_url", "heartbeat-url": "heartbeat_url" };
export const STORAGE_CLASS = "gp3"; // EBS CSI driver StorageClass (encrypted gp3)

export interface MonitoringArgs {
    env: Env;
    provider: k8s.Provider;
    clusterName: pulumi.Input<string>;
    app: { namespace: pulumi.Input<string>; name: string; host: string; availabilityTarget: number };
    /** ClusterSecretStore backed by AWS Secrets Manager, e.g. "aws-secrets-manager". */
    alertSecretStore: string;
    /** What the objects wait for: the monitoring/node-agents namespaces and the external-secrets release (its CRDs). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const SIZES = {
    dev: { retention: "7d", retentionSize: "18GB", prometheus: resources("200m", "1Gi", "2Gi"), ksm: resources("50m", "128Mi", "256Mi") },
    prod: { retention: "15d", retentionSize: "90GB", prometheus: resources("500m", "4Gi", "6Gi"), ksm: resources("100m", "256Mi", "512Mi") },
};

const podSecurity = (uid: number, gid: number) =>
    ({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: "RuntimeDefault" } });
const gp3Claim = (size: string) =>
    ({ volumeClaimTemplate: { spec: { storageClassName: STORAGE_CLASS, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } } });

/**
 * Route tree: Watchdog → heartbeat (dead man's switch), critical → pager, warning → chat, info/none → nowhere.
 * Unmatched alerts fall back to chat, so nothing is silently dropped. Credentials only as files.
 */
export function alertmanagerConfig(env: Env) {
    const file = (key: keyof typeof RECEIVER_KEYS) => `${RECEIVER_SECRET_DIR}/${key}`;
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: "chat",
            group_by: ["alertname", "namespace", "severity"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [
                { receiver: "heartbeat", matchers: ['alertname = "Watchdog"'], group_wait: "0s", group_interval: "1m", repeat_interval: "1m" },
                { receiver: "null", matchers: ['severity =~ "info|none"'] },
                { receiver: "pager", matchers: ['severity = "critical"'], repeat_interval: "1h" },
                { receiver: "chat", matchers: ['severity = "warning"'] },
            ],
        },
        // A page makes the ticket of the same alert (e.g. the slow SLO burn under the fast one) redundant.
        inhibit_rules: [{ source_matchers: ['severity = "critical"'], target_matchers: ['severity = "warning"'], equal: ["alertname", "namespace"] }],
        receivers: [
            { name: "null" },
            { name: "heartbeat", webhook_configs: [{ url_file: file("heartbeat-url"), send_resolved: false }] },
            { name: "pager", pagerduty_configs: [{ routing_key_file: file("pagerduty-routing-key"), send_resolved: true, severity: "critical" }] },
            { name: "chat", slack_configs: [{
                api_url_file: file("slack-webhook-url"), channel: `#alerts-${env}`, send_resolved: true,
                title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})",
                text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}",
            }] },
        ],
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}

export function kubePrometheusStackValues(args: MonitoringArgs): Record<string, unknown> {
    const size = SIZES[args.env];
    const volumes = MONITORING_VOLUMES[args.env];
    const selectRelease = { matchLabels: RELEASE_LABEL };
    return {
        crds: { enabled: false }, // installed by prometheusOperatorCrds() before any chart

        // Control plane components EKS does not expose in-cluster; kube-proxy binds its metrics to 127.0.0.1.
        kubeEtcd: { enabled: false },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        // Keep the upstream (kubernetes-mixin) rules, minus the groups for the scrapers above and the alerts ours replace.
        defaultRules: {
            create: true,
            rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false, windows: false },
            disabled: Object.fromEntries(Object.keys(REPLACED_DEFAULT_ALERTS).map((a) => [a, true])),
        },
        prometheusOperator: {
            resources: resources("100m", "128Mi", "256Mi"),
            prometheusConfigReloader: { resources: resources("10m", "32Mi", "64Mi") },
            admissionWebhooks: { patch: { resources: resources("10m", "32Mi", "64Mi") } },
        },
        prometheus: {
            prometheusSpec: {
                replicas: volumes.replicas,
                retention: size.retention,
                retentionSize: size.retentionSize, // below the volume size: Prometheus deletes old blocks before the disk fills
                walCompression: true,
                externalLabels: { cluster: args.clusterName, environment: args.env },
                resources: size.prometheus,
                storageSpec: gp3Claim(`${volumes.prometheusGiB}Gi`),
                // Explicit selectors instead of the chart's "nil uses Helm values": any namespace, release label only.
                serviceMonitorSelectorNilUsesHelmValues: false,
                serviceMonitorSelector: selectRelease,
                serviceMonitorNamespaceSelector: {},
                podMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelector: selectRelease,
                podMonitorNamespaceSelector: {},
                ruleSelectorNilUsesHelmValues: false,
                ruleSelector: selectRelease,
                ruleNamespaceSelector: {},
                podAntiAffinity: "soft",
                podAntiAffinityTopologyKey: "topology.kubernetes.io/zone",
                securityContext: podSecurity(1000, 2000),
            },
        },
        alertmanager: {
            config: alertmanagerConfig(args.env),
            alertmanagerSpec: {
                replicas: volumes.replicas,
                secrets: [ALERTMANAGER_SECRET],
                resources: resources("50m", "128Mi", "256Mi"),
                storage: gp3Claim(`${volumes.alertmanagerGiB}Gi`), // silences and notification log survive restarts
                podAntiAffinity: "soft",
                podAntiAffinityTopologyKey: "topology.kubernetes.io/zone",
                securityContext: podSecurity(1000, 2000),
            },
        },
        // Stateless Grafana: dashboards and data sources are provisioned from ConfigMaps by the sidecars, the admin
        // login comes from a Secret; a PVC would only hold UI edits (which we do not want) and pin the pod to one AZ.
        grafana: {
            defaultDashboardsEnabled: true,
            defaultDashboardsTimezone: "utc",
            admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
            persistence: { enabled: false },
            initChownData: { enabled: false },
            testFramework: { enabled: false },
            resources: resources("100m", "256Mi", "512Mi"),
            securityContext: podSecurity(472, 472),
            containerSecurityContext: restrictedContainer,
            sidecar: { resources: resources("50m", "96Mi", "192Mi"), securityContext: restrictedContainer },
        },
        "kube-state-metrics": { resources: size.ksm },
        // hostNetwork/hostPID/hostPath: only the privileged node-agents namespace admits it.
        "prometheus-node-exporter": {
            namespaceOverride: NODE_AGENTS_NAMESPACE,
            priorityClassName: "system-node-critical",
            tolerations: [{ operator: "Exists" }],
            resources: resources("50m", "64Mi", "128Mi"),
            containerSecurityContext: restrictedContainer,
        },
    };
}

export function prometheusOperatorCrds(provider: k8s.Provider, dependsOn: pulumi.Input<pulumi.Resource>[]): k8s.helm.v3.Release {
    return helmRelease("prometheus-operator-crds", { ...PROMETHEUS_OPERATOR_CRDS, namespace: MONITORING_NAMESPACE, values: {} }, { provider, dependsOn });
}

export class Monitoring extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:platform:Monitoring", name, {}, { ...opts, provider: args.provider });
        const ns = MONITORING_NAMESPACE;
        const deps = args.dependsOn ?? [];

        const externalSecret = (id: string, target: string, remoteKey: pulumi.Input<string>, keys: Record<string, string>) =>
            new k8s.apiextensions.CustomResource(`${name}-${id}`, {
                apiVersion: "external-secrets.io/v1beta1",
                kind: "ExternalSecret",
                metadata: { name: target, namespace: ns },
                spec: {
                    refreshInterval: "1h",
                    secretStoreRef: { kind: "ClusterSecretStore", name: args.alertSecretStore },
                    target: { name: target, creationPolicy: "Owner" },
                    data: Object.entries(keys).map(([secretKey, property]) => ({ secretKey, remoteRef: { key: remoteKey, property } })),
                },
            }, { parent: this, dependsOn: deps });
        const secrets = [
            externalSecret("alertmanager-receivers", ALERTMANAGER_SECRET, pulumi.interpolate`${args.clusterName}/alertmanager`, RECEIVER_KEYS),
            externalSecret("grafana-admin", GRAFANA_ADMIN_SECRET, pulumi.interpolate`${args.clusterName}/grafana-admin`,
                { "admin-user": "username", "admin-password": "password" }),
        ];

        this.release = helmRelease(RELEASE, { ...KUBE_PROMETHEUS_STACK, namespace: ns, values: kubePrometheusStackValues(args) },
            { parent: this, dependsOn: [...deps, ...secrets] });

        // PrometheusRules need the operator's CRDs, which the release installs.
        const rule = (id: string, groups: pulumi.Input<RuleGroup[]>) =>
            new k8s.apiextensions.CustomResource(`${name}-rules-${id}`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: `platform-${id}`, namespace: ns, labels: { ...RELEASE_LABEL, "app.kubernetes.io/part-of": "platform-monitoring" } },
                spec: { groups },
            }, { parent: this, dependsOn: [this.release] });
        for (const g of platformRuleGroups()) rule(g.name, [g]);
        rule(`slo-${args.app.name}`, pulumi.output(args.app.namespace).apply((appNs) =>
            [sloRules({ app: args.app.name, namespace: appNs, target: args.app.availabilityTarget, host: args.app.host })]));

        this.registerOutputs({});
    }
}
