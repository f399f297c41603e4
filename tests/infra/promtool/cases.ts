// promtool rule-test fixtures (`promtool test rules` format) for the groups in infra/pulumi/src/platform/alert-rules.ts.
// Expected labels and annotations are derived from the rule data, so a changed summary does not need two edits,
// but which alerts fire, with which severity and series labels, is spelled out here.
import { isAlert, SLO_ALERT, type AlertRule, type RuleGroup, type Severity, type SloSpec } from "../../../infra/pulumi/src/platform/alert-rules";

export const SLO: SloSpec = { app: "kv-node", namespace: "apps", target: 0.999, host: "kv.example.com" };
export const RULES_FILE = "rules.json";

export interface PromtoolCase { name: string; test: Record<string, unknown> }

type Labels = Record<string, string>;
const render = (s: string, labels: Labels) => s.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => labels[k] ?? "");

/** The alert promtool should report: rule labels over series labels, annotations rendered with them. */
function firing(groups: RuleGroup[], alertname: string, severity: Severity, series: Labels, extra: (r: AlertRule) => boolean = () => true) {
    const rule = groups.flatMap((g) => g.rules).filter(isAlert).find((r) => r.alert === alertname && r.labels.severity === severity && extra(r));
    if (!rule) throw new Error(`no rule ${alertname}/${severity}`);
    const labels = { ...series, ...rule.labels };
    return {
        exp_labels: labels,
        exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, render(v, labels)])),
    };
}

const requests = (status: string, perMinute: number, minutes: number) => ({
    series: `nginx_ingress_controller_requests{ingress="${SLO.app}", namespace="${SLO.namespace}", status="${status}", job="ingress-nginx-controller-metrics"}`,
    values: `0+${perMinute}x${minutes}`,
});
const sloLabels: Labels = { slo: `${SLO.app}-availability`, namespace: SLO.namespace, service: SLO.app };
/** The error ratio of one recording rule, scaled to an integer so the comparison is exact. */
const ratioTimes = (window: string, scale: number, evalTime: string, value: number) => ({
    expr: `round(slo:sli_error:ratio_rate${window}{slo="${sloLabels.slo}"} * ${scale})`,
    eval_time: evalTime,
    exp_samples: [{ labels: `{namespace="${SLO.namespace}", service="${SLO.app}", slo="${sloLabels.slo}"}`, value }],
});

export function promtoolCases(groups: RuleGroup[]): PromtoolCase[] {
    const burn = (factor: number) => firing(groups, SLO_ALERT, factor >= 6 ? "critical" : "warning", sloLabels, (r) => r.labels.burn_rate === String(factor));
    const ksm = { job: "kube-state-metrics" };
    const pod = { ...ksm, namespace: "apps", pod: "kv-node-7d9f8-abcde", container: "kv-node" };
    const node = "ip-10-20-1-10.eu-west-1.compute.internal";
    const cert = { namespace: "apps", name: "kv-node-tls", job: "cert-manager" };
    const at = (eval_time: string, alertname: string, exp_alerts: unknown[]) => ({ eval_time, alertname, exp_alerts });
    return [
        {
            // 2% errors = 20x the 0.1% budget: every window is over its threshold; each alert fires once its `for` has passed.
            name: "2% 5xx: the 1h/5m fast burn pages within minutes, 6h/30m and 1d/2h follow after their for",
            test: {
                input_series: [requests("200", 980, 120), requests("500", 20, 120)],
                promql_expr_test: [ratioTimes("5m", 1000, "10m", 20), ratioTimes("1h", 1000, "60m", 20)],
                alert_rule_test: [
                    at("10m", SLO_ALERT, [burn(14.4)]),
                    at("20m", SLO_ALERT, [burn(14.4), burn(6)]),
                    at("70m", SLO_ALERT, [burn(14.4), burn(6), burn(3)]),
                ],
            },
        },
        {
            name: "0.05% 5xx (half the budget) fires nothing, on any window",
            test: {
                input_series: [requests("200", 1999, 150), requests("500", 1, 150)],
                promql_expr_test: [ratioTimes("1h", 100000, "2h", 50), ratioTimes("3d", 100000, "2h", 50)],
                alert_rule_test: [at("30m", SLO_ALERT, []), at("2h", SLO_ALERT, [])],
            },
        },
        {
            // 0.2% = 2x: under 3x (1d/2h) but over 1x (3d/6h), which tickets once its 3h `for` has passed.
            name: "0.2% 5xx opens only the slow-burn ticket, after 3 hours",
            test: {
                input_series: [requests("200", 998, 250), requests("500", 2, 250)],
                alert_rule_test: [at("2h", SLO_ALERT, []), at("4h", SLO_ALERT, [burn(1)])],
            },
        },
        {
            name: "Watchdog is always firing",
            test: { input_series: [], alert_rule_test: [at("1m", "Watchdog", [firing(groups, "Watchdog", "none", {})]), at("30m", "Watchdog", [firing(groups, "Watchdog", "none", {})])] },
        },
        {
            name: "NodeNotReady fires after its 10m for, and only for the node that is not ready",
            test: {
                input_series: [
                    { series: `kube_node_status_condition{job="kube-state-metrics", node="${node}", condition="Ready", status="true"}`, values: "1 1 0x30" },
                    { series: 'kube_node_status_condition{job="kube-state-metrics", node="ip-10-20-2-20.eu-west-1.compute.internal", condition="Ready", status="true"}', values: "1x32" },
                ],
                alert_rule_test: [
                    at("11m", "NodeNotReady", []),
                    at("13m", "NodeNotReady", [firing(groups, "NodeNotReady", "warning", { ...ksm, node, condition: "Ready", status: "true" })]),
                ],
            },
        },
        {
            name: "a crash-looping container fires PodCrashLooping after 15m",
            test: {
                input_series: [{ series: `kube_pod_container_status_waiting_reason{job="kube-state-metrics", namespace="apps", pod="${pod.pod}", container="kv-node", reason="CrashLoopBackOff"}`, values: "1x40" }],
                alert_rule_test: [
                    at("10m", "PodCrashLooping", []),
                    at("20m", "PodCrashLooping", [firing(groups, "PodCrashLooping", "warning", { ...pod, reason: "CrashLoopBackOff" })]),
                ],
            },
        },
        {
            name: "a restart whose last termination was OOMKilled fires ContainerOOMKilled, and clears",
            test: {
                input_series: [
                    { series: `kube_pod_container_status_restarts_total{job="kube-state-metrics", namespace="apps", pod="${pod.pod}", container="kv-node"}`, values: "0x15 1x20" },
                    { series: `kube_pod_container_status_last_terminated_reason{job="kube-state-metrics", namespace="apps", pod="${pod.pod}", container="kv-node", reason="OOMKilled"}`, values: "_x15 1x20" },
                ],
                alert_rule_test: [
                    at("10m", "ContainerOOMKilled", []),
                    at("25m", "ContainerOOMKilled", [firing(groups, "ContainerOOMKilled", "warning", pod)]),
                    at("45m", "ContainerOOMKilled", []),
                ],
            },
        },
        {
            // Expires 10 days after t=0: under the 14-day warning, above the 3-day page.
            name: "a certificate 10 days from expiry tickets (warning), it does not page",
            test: {
                input_series: [{ series: `certmanager_certificate_expiration_timestamp_seconds{namespace="apps", name="kv-node-tls", job="cert-manager"}`, values: `${10 * 86400}x180` }],
                alert_rule_test: [at("2h", "CertificateExpiringSoon", [firing(groups, "CertificateExpiringSoon", "warning", cert)])],
            },
        },
    ];
}

/** A promtool test file around one case. */
export const testFile = (c: PromtoolCase) => ({
    rule_files: [RULES_FILE],
    evaluation_interval: "1m",
    tests: [{ interval: "1m", ...c.test }],
});
