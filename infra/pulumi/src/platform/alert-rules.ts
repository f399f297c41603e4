// Alerting and recording rules as typed data: monitoring.ts wraps them in PrometheusRule objects, and
// tests/infra/alert-rules.test.ts writes the same groups to a file for `promtool check rules` / `test rules`.
// Paging policy: page (critical) on user-visible symptoms (SLO burn, API server failing, certificates about to
// expire, a volume about to fill); everything else is a ticket (warning) for working hours.

export type Severity = "critical" | "warning" | "none";

export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: { severity: Severity } & Record<string, string>;
    /** summary and description may use {{ $labels.x }} only (no $value), so promtool tests can spell them out. */
    annotations: { summary: string; description: string };
}
export interface RecordRule { record: string; expr: string; labels?: Record<string, string> }
export type Rule = AlertRule | RecordRule;
export interface RuleGroup { name: string; interval?: string; rules: Rule[] }

export const isAlert = (r: Rule): r is AlertRule => "alert" in r;

const alert = (name: string, severity: Severity, forDuration: string, expr: string, summary: string, description: string,
    labels: Record<string, string> = {}): AlertRule =>
    ({ alert: name, expr, ...(forDuration === "0m" ? {} : { for: forDuration }), labels: { severity, ...labels }, annotations: { summary, description } });

const KSM = 'job="kube-state-metrics"';
const NODE_FS = 'job="node-exporter", fstype=~"ext[234]|xfs"';
const pctFree = (m: string) => `node_filesystem_avail_bytes{${m}} / node_filesystem_size_bytes{${m}}`;
const pvcFree = "kubelet_volume_stats_available_bytes{job=\"kubelet\"} / kubelet_volume_stats_capacity_bytes{job=\"kubelet\"}";

export const nodeHealth: RuleGroup = {
    name: "node-health",
    rules: [
        alert("NodeNotReady", "warning", "10m",
            `kube_node_status_condition{${KSM}, condition="Ready", status="true"} == 0`,
            "Node {{ $labels.node }} is not ready",
            "Node {{ $labels.node }} has reported NotReady for 10 minutes; its pods are being rescheduled elsewhere."),
        alert("NodeDiskPressure", "warning", "5m",
            `kube_node_status_condition{${KSM}, condition="DiskPressure", status="true"} == 1`,
            "Node {{ $labels.node }} has disk pressure",
            "The kubelet on {{ $labels.node }} reports DiskPressure and will evict pods."),
        alert("NodeMemoryHigh", "warning", "15m",
            '1 - node_memory_MemAvailable_bytes{job="node-exporter"} / node_memory_MemTotal_bytes{job="node-exporter"} > 0.9',
            "Node {{ $labels.instance }} memory above 90%",
            "Less than 10% of memory on {{ $labels.instance }} has been available for 15 minutes; the OOM killer is next."),
        alert("NodeFilesystemFillingUp", "warning", "1h",
            `(${pctFree(NODE_FS)} < 0.25) and predict_linear(node_filesystem_avail_bytes{${NODE_FS}}[6h], 24 * 3600) < 0 and node_filesystem_readonly{${NODE_FS}} == 0`,
            "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} fills up within 24h",
            "At the rate of the last 6 hours, {{ $labels.mountpoint }} on {{ $labels.instance }} runs out of space within a day."),
        alert("NodeFilesystemAlmostFull", "warning", "30m",
            `(${pctFree(NODE_FS)} < 0.05) and node_filesystem_readonly{${NODE_FS}} == 0`,
            "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} has less than 5% free",
            "{{ $labels.mountpoint }} on {{ $labels.instance }} is almost full; the kubelet will start evicting pods."),
    ],
};

export const podHealth: RuleGroup = {
    name: "pod-health",
    rules: [
        alert("PodCrashLooping", "warning", "15m",
            `max_over_time(kube_pod_container_status_waiting_reason{${KSM}, reason="CrashLoopBackOff"}[5m]) >= 1`,
            "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} is crash looping",
            "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been in CrashLoopBackOff for 15 minutes."),
        // Running/Pending/Unknown only: completed Job pods are never ready and must not alert.
        alert("PodNotReady", "warning", "15m",
            `(kube_pod_status_ready{${KSM}, condition="false"} == 1) and on (namespace, pod) (kube_pod_status_phase{${KSM}, phase=~"Pending|Running|Unknown"} == 1)`,
            "Pod {{ $labels.namespace }}/{{ $labels.pod }} not ready for 15 minutes",
            "Pod {{ $labels.namespace }}/{{ $labels.pod }} has not been ready for 15 minutes."),
        // A restart within 10 minutes whose last termination reason was OOMKilled.
        alert("ContainerOOMKilled", "warning", "0m",
            `(kube_pod_container_status_restarts_total{${KSM}} - kube_pod_container_status_restarts_total{${KSM}} offset 10m >= 1) and ignoring (reason) min_over_time(kube_pod_container_status_last_terminated_reason{${KSM}, reason="OOMKilled"}[10m]) == 1`,
            "Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} was OOMKilled",
            "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} restarted after exceeding its memory limit."),
    ],
};

// etcd, kube-scheduler and kube-controller-manager run in the EKS-managed control plane: they cannot be scraped
// from the cluster (EKS 1.28+ only exposes scheduler/controller-manager metrics through the API server's
// metrics.eks.amazonaws.com path, not wired here), so there are no "absent"/"down" alerts for them; their chart
// scrapers and default rule groups are off (see monitoring.ts). The API server itself is visible and covered.
const apiErrorRatio = 'sum(rate(apiserver_request_total{job="apiserver", code=~"5.."}[5m])) / sum(rate(apiserver_request_total{job="apiserver"}[5m]))';
const certSecondsLeft = "certmanager_certificate_expiration_timestamp_seconds - time()";
export const clusterHealth: RuleGroup = {
    name: "cluster-health",
    rules: [
        alert("KubeAPIServerErrorRatioHigh", "warning", "15m", `${apiErrorRatio} > 0.01`,
            "API server answers more than 1% of requests with 5xx",
            "More than 1% of Kubernetes API requests failed with 5xx for 15 minutes; controllers and deployments degrade."),
        alert("KubeAPIServerErrorRatioHigh", "critical", "5m", `${apiErrorRatio} > 0.05`,
            "API server answers more than 5% of requests with 5xx",
            "More than 5% of Kubernetes API requests failed with 5xx for 5 minutes; check the EKS control plane health."),
        alert("DeploymentReplicasUnavailable", "warning", "15m",
            `kube_deployment_status_replicas_unavailable{${KSM}} > 0`,
            "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has unavailable replicas",
            "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had unavailable replicas for 15 minutes."),
        alert("PersistentVolumeFillingUp", "warning", "1h",
            `(${pvcFree} < 0.15) and predict_linear(kubelet_volume_stats_available_bytes{job="kubelet"}[6h], 4 * 24 * 3600) < 0`,
            "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} fills up within 4 days",
            "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 15% free and runs out within 4 days at the current rate."),
        alert("PersistentVolumeAlmostFull", "critical", "5m", `${pvcFree} < 0.03`,
            "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} has less than 3% free",
            "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is about to fill up; writes will fail."),
        // cert-manager renews at 2/3 of the lifetime (30 days before a Let's Encrypt expiry): 14 days left means renewal is failing.
        alert("CertificateExpiringSoon", "warning", "1h", `${certSecondsLeft} < 14 * 24 * 3600`,
            "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 14 days",
            "cert-manager has not renewed {{ $labels.namespace }}/{{ $labels.name }}; check the Certificate and its ACME challenges."),
        alert("CertificateExpiringSoon", "critical", "10m", `${certSecondsLeft} < 3 * 24 * 3600`,
            "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires in less than 3 days",
            "Certificate {{ $labels.namespace }}/{{ $labels.name }} is about to expire and clients will reject it."),
        alert("CertificateNotReady", "warning", "15m",
            'max by (namespace, name) (certmanager_certificate_ready_status{condition="False"}) == 1',
            "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready",
            "cert-manager reports Certificate {{ $labels.namespace }}/{{ $labels.name }} as not ready for 15 minutes."),
    ],
};

/** Always firing: Alertmanager forwards it to a dead man's switch, which pages when the heartbeat stops. */
export const meta: RuleGroup = {
    name: "meta",
    rules: [alert("Watchdog", "none", "0m", "vector(1)",
        "Alerting pipeline heartbeat",
        "Always firing. If the heartbeat receiver stops getting it, Prometheus or Alertmanager is down.")],
};

// ---- SLO: multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", table 5-8).
export interface SloSpec {
    /** Ingress name (and app name) in the nginx_ingress_controller_requests `ingress` label. */
    app: string;
    namespace: string;
    /** Availability target, e.g. 0.999. */
    target: number;
    /** Public host name, for the humans reading the alert. */
    host?: string;
}

export interface BurnWindow { long: string; short: string; factor: number; severity: Severity; for: string }
/** factor = how many times faster than "exactly exhaust the budget in 30 days"; 14.4x burns 2% of it in 1 hour. */
export const BURN_WINDOWS: BurnWindow[] = [
    { long: "1h", short: "5m", factor: 14.4, severity: "critical", for: "2m" },
    { long: "6h", short: "30m", factor: 6, severity: "critical", for: "15m" },
    { long: "1d", short: "2h", factor: 3, severity: "warning", for: "1h" },
    { long: "3d", short: "6h", factor: 1, severity: "warning", for: "3h" },
];
export const SLO_WINDOWS = [...new Set(BURN_WINDOWS.flatMap((w) => [w.short, w.long]))];
export const SLO_ALERT = "SLOErrorBudgetBurn";
export const sloRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;
export const sloName = (s: SloSpec) => `${s.app}-availability`;
/** 1 - target without float noise (1 - 0.999 = 0.0010000000000000009). */
export const errorBudget = (target: number) => Number((1 - target).toPrecision(6));

/**
 * The SLI is the ingress-nginx view of the app: 5xx answers are bad, everything else good. It needs the ingress
 * namespace in the `namespace` label, i.e. the ingress-nginx ServiceMonitor with honorLabels: true (otherwise
 * Prometheus renames it to exported_namespace).
 */
export function sloRules(s: SloSpec): RuleGroup {
    if (!(s.target > 0 && s.target < 1)) throw new Error(`SLO target must be in (0, 1), got ${s.target}`);
    const sel = `ingress="${s.app}", namespace="${s.namespace}"`;
    const labels = { slo: sloName(s), namespace: s.namespace, service: s.app };
    const budget = errorBudget(s.target);
    const pct = `${Number((s.target * 100).toPrecision(6))}%`;
    const records: RecordRule[] = SLO_WINDOWS.map((w) => ({
        record: sloRecord(w),
        expr: `sum(rate(nginx_ingress_controller_requests{${sel}, status=~"5.."}[${w}])) / sum(rate(nginx_ingress_controller_requests{${sel}}[${w}]))`,
        labels,
    }));
    const alerts = BURN_WINDOWS.map((w) => {
        const over = (win: string) => `${sloRecord(win)}{slo="${labels.slo}"} > (${w.factor} * ${budget})`;
        return alert(SLO_ALERT, w.severity, w.for, `${over(w.long)} and ${over(w.short)}`,
            `${s.app} burns its ${pct} availability error budget ${w.factor}x too fast`,
            `The 5xx ratio of ${s.namespace}/${s.app}${s.host ? ` (${s.host})` : ""} over the last ${w.long} and ${w.short} exceeds ${w.factor}x the error budget `
            + `(${budget}); at this rate the 30-day budget lasts ${Number((30 / w.factor).toFixed(1))} days.`,
            { long_window: w.long, short_window: w.short, burn_rate: String(w.factor) });
    });
    return { name: `slo-${s.app}`, rules: [...records, ...alerts] };
}

export const platformRuleGroups = (): RuleGroup[] => [nodeHealth, podHealth, clusterHealth, meta];
export const allRuleGroups = (s: SloSpec): RuleGroup[] => [...platformRuleGroups(), sloRules(s)];

/**
 * kube-prometheus-stack default alerts that ours replace (monitoring.ts puts them in defaultRules.disabled, so
 * the same condition never notifies twice). The other default rules stay on.
 */
export const REPLACED_DEFAULT_ALERTS: Record<string, string> = {
    Watchdog: "Watchdog",
    KubeNodeNotReady: "NodeNotReady",
    KubePodCrashLooping: "PodCrashLooping",
    KubePodNotReady: "PodNotReady",
    KubeDeploymentReplicasMismatch: "DeploymentReplicasUnavailable",
    KubePersistentVolumeFillingUp: "PersistentVolumeFillingUp",
    NodeFilesystemSpaceFillingUp: "NodeFilesystemFillingUp",
    NodeFilesystemAlmostOutOfSpace: "NodeFilesystemAlmostFull",
    NodeMemoryHighUtilization: "NodeMemoryHigh",
};
