// The observability layer (kube-prometheus-stack, PrometheusRules, receiver secrets, fluent-bit to CloudWatch Logs),
// built directly under Pulumi mocks for dev and prod, independent of how stack.ts wires it.
import { strict as assert } from "node:assert";
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../../infra/pulumi/src/config";
import { EksCluster } from "../../infra/pulumi/src/cluster";
import { k8sProvider } from "../../infra/pulumi/src/kubeconfig";
import { BURN_WINDOWS, REPLACED_DEFAULT_ALERTS, isAlert, type RuleGroup } from "../../infra/pulumi/src/platform/alert-rules";
import {
    ALERTMANAGER_SECRET, GRAFANA_ADMIN_SECRET, KUBE_PROMETHEUS_STACK, Monitoring, RECEIVER_SECRET_DIR, STORAGE_CLASS,
} from "../../infra/pulumi/src/platform/monitoring";
import { FLUENT_BIT_CHART, LogShipping, NODE_AGENTS_NAMESPACE } from "../../infra/pulumi/src/platform/logging";
import { CONTAINER_LOG_RETENTION_DAYS } from "../../infra/pulumi/src/platform/sizing";
import { statementsOf } from "../../infra/pulumi/policy/aws-iam";
import { recordStack, settle, type Registered } from "../../src/infra/pulumi-mocks";
import { ADMIN, mandatoryViolations, ofType, one } from "./helpers";
import { k8sObjectErrors, loadValuesValidator, type ValuesValidator } from "./schema";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET_STORE = "aws-secrets-manager";
const APP = { name: "kv-node", namespace: "apps", availabilityTarget: 0.999 };
const REGION = "eu-west-1";
const CREDENTIAL_KEYS = /^(url|api_url|routing_key|service_key|password|adminPassword|token|secret|api_key)$/;
const CREDENTIAL_VALUES = /hooks\.slack\.com|events\.pagerduty\.com|xox[abp]-|^[A-Za-z0-9+/]{32,}={0,2}$/;

interface Built { res: Registered[]; monitoring: Monitoring; logging: LogShipping }

async function build(env: "dev" | "prod"): Promise<Built> {
    const res = await recordStack(env);
    const clusterName = `k8s-${env}`;
    const cluster = new EksCluster(clusterName, {
        env, kubernetesVersion: "1.31", subnetIds: ["subnet-a", "subnet-b", "subnet-c"], privateEndpoint: true,
        endpointPublicAccessCidrs: [], adminPrincipalArn: ADMIN, logRetentionDays: 30, nodeGroups: DEFAULTS[env].nodeGroups,
    });
    const provider = k8sProvider(`${clusterName}-k8s`, cluster, REGION);
    const monitoring = new Monitoring(`${env}-monitoring`, {
        env, provider, clusterName: cluster.name, alertSecretStore: SECRET_STORE,
        app: { ...APP, namespace: pulumi.output(APP.namespace), host: DEFAULTS[env].appHost },
    });
    const logging = new LogShipping(`${env}-logging`, {
        env, provider, cluster, clusterName, region: REGION, logRetentionDays: CONTAINER_LOG_RETENTION_DAYS[env], dependsOn: [monitoring.release],
    });
    await settle(res);
    return { res, monitoring, logging };
}

const release = (res: Registered[], chart: string) => {
    const r = ofType(res, RELEASE).filter((x) => x.inputs.chart === chart);
    assert.equal(r.length, 1, `one ${chart} release`);
    return r[0].inputs;
};
const customResources = (res: Registered[], kind: string) => res.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind);

/** Every [path, key, value] of a JSON-like tree. */
function* walk(o: unknown, path = ""): Generator<[string, string, unknown]> {
    if (!o || typeof o !== "object") return;
    for (const [k, v] of Object.entries(o)) {
        const p = path ? `${path}.${k}` : k;
        yield [p, k, v];
        yield* walk(v, p);
    }
}

describe("observability layer (Pulumi mocks)", function () {
    this.timeout(60000);
    const built: Record<string, Built> = {};
    let schemas: ValuesValidator;
    before(async () => {
        built.dev = await build("dev");
        built.prod = await build("prod");
        schemas = await loadValuesValidator();
    });

    for (const env of ["dev", "prod"] as const) {
        describe(`${env}`, () => {
            const res = () => built[env].res;
            const kps = () => release(res(), "kube-prometheus-stack");
            const values = () => kps().values;
            const prom = () => values().prometheus.prometheusSpec;
            const am = () => values().alertmanager;
            const externalSecrets = () => customResources(res(), "ExternalSecret").map((r) => r.inputs);

            it("kube-prometheus-stack: pinned chart from prometheus-community, atomic, into monitoring", () => {
                const r = kps();
                assert.deepEqual({ chart: r.chart, version: r.version, repo: r.repositoryOpts.repo }, KUBE_PROMETHEUS_STACK);
                assert.match(r.version, /^\d+\.\d+\.\d+$/);
                assert.equal(r.name, "kube-prometheus-stack"); // the release label every selector below relies on
                assert.equal(r.namespace, "monitoring");
                assert.equal(r.atomic, true);
            });

            it("Prometheus selects ServiceMonitors, PodMonitors and rules by the release label, in every namespace", () => {
                for (const kind of ["serviceMonitor", "podMonitor", "rule"]) {
                    assert.deepEqual(prom()[`${kind}Selector`], { matchLabels: { release: "kube-prometheus-stack" } }, kind);
                    assert.equal(prom()[`${kind}SelectorNilUsesHelmValues`], false, kind);
                    assert.deepEqual(prom()[`${kind}NamespaceSelector`], {}, kind);
                }
            });

            it(`Prometheus: ${env === "prod" ? 2 : 1} replica(s), retention capped below its gp3 volume, non-root`, () => {
                assert.equal(prom().replicas, env === "prod" ? 2 : 1);
                assert.match(prom().retention, /^\d+d$/);
                const claim = prom().storageSpec.volumeClaimTemplate.spec;
                assert.equal(claim.storageClassName, STORAGE_CLASS);
                assert.deepEqual(claim.accessModes, ["ReadWriteOnce"]);
                const volumeGi = parseInt(claim.resources.requests.storage, 10);
                assert.ok(parseInt(prom().retentionSize, 10) < volumeGi, "retentionSize below the volume size");
                assert.equal(prom().securityContext.runAsNonRoot, true);
                assert.notEqual(prom().securityContext.runAsUser, 0);
                assert.deepEqual(prom().externalLabels, { cluster: `k8s-${env}`, environment: env });
            });

            it("every container the charts run gets CPU/memory requests and a memory limit", () => {
                const containerResources = (vals: unknown) =>
                    [...walk(vals)].filter(([p, k]) => k === "resources" && !p.includes("volumeClaimTemplate")) as [string, string, any][];
                for (const vals of [values(), release(res(), "fluent-bit").values]) {
                    for (const [path, , r] of containerResources(vals)) {
                        assert.ok(r.requests?.cpu && r.requests?.memory, `${path}: requests`);
                        assert.ok(r.limits?.memory, `${path}: memory limit`);
                    }
                }
                const paths = containerResources(values()).map(([p]) => p.replace(/\.resources$/, ""));
                assert.deepEqual(new Set(paths), new Set([
                    "prometheusOperator", "prometheusOperator.prometheusConfigReloader", "prometheusOperator.admissionWebhooks.patch",
                    "prometheus.prometheusSpec", "alertmanager.alertmanagerSpec", "grafana", "grafana.sidecar",
                    "kube-state-metrics", "prometheus-node-exporter",
                ]));
            });

            it("no credential in any values: receivers read *_file paths from the mounted receivers Secret", () => {
                for (const { inputs } of ofType(res(), RELEASE)) {
                    for (const [path, key, v] of walk(inputs.values)) {
                        assert.ok(!(CREDENTIAL_KEYS.test(key) && typeof v === "string" && v !== ""), `credential-like key ${path}`);
                        if (typeof v === "string") assert.doesNotMatch(v, CREDENTIAL_VALUES, path);
                    }
                }
                const files = [...walk(am().config.receivers)].filter(([, k]) => k.endsWith("_file")).map(([, , v]) => String(v));
                assert.equal(files.length, 3); // heartbeat, pager, chat
                assert.deepEqual(am().alertmanagerSpec.secrets, [ALERTMANAGER_SECRET]);
                const keys = new Set(externalSecrets().find((e) => e.metadata.name === ALERTMANAGER_SECRET)!.spec.data.map((d: any) => d.secretKey));
                for (const f of files) {
                    assert.equal(posix.dirname(f), RECEIVER_SECRET_DIR, f);
                    assert.ok(keys.has(posix.basename(f)), `${f} is a key the ExternalSecret fills`);
                }
            });

            it("Alertmanager: Watchdog → heartbeat first, critical → pager, warning → chat, critical inhibits warning", () => {
                const { route, receivers, inhibit_rules } = am().config;
                const byName = new Map<string, any>(receivers.map((r: any) => [r.name, r]));
                const routeFor = (matcher: string) => route.routes.find((r: any) => r.matchers.includes(matcher));
                assert.deepEqual(route.routes[0].matchers, ['alertname = "Watchdog"']);
                assert.equal(route.routes[0].receiver, "heartbeat");
                assert.equal(route.routes[0].repeat_interval, "1m"); // the dead man's switch expects a steady heartbeat
                assert.ok(byName.get("heartbeat").webhook_configs.length === 1);
                assert.ok(byName.get(routeFor('severity = "critical"').receiver).pagerduty_configs.length === 1);
                assert.ok(byName.get(routeFor('severity = "warning"').receiver).slack_configs.length === 1);
                assert.equal(byName.get("chat").slack_configs[0].channel, `#alerts-${env}`);
                assert.equal(route.receiver, "chat", "unmatched alerts still reach a human");
                for (const r of [route, ...route.routes]) assert.ok(byName.has(r.receiver), `receiver ${r.receiver} defined`);
                assert.deepEqual(inhibit_rules, [{ source_matchers: ['severity = "critical"'], target_matchers: ['severity = "warning"'], equal: ["alertname", "namespace"] }]);
            });

            it("receiver and Grafana credentials come from ExternalSecrets through the ClusterSecretStore", () => {
                const es = customResources(res(), "ExternalSecret");
                assert.equal(es.length, 2);
                for (const { inputs: e } of es) {
                    assert.equal(e.apiVersion, "external-secrets.io/v1beta1");
                    assert.equal(e.metadata.namespace, "monitoring");
                    assert.deepEqual(e.spec.secretStoreRef, { kind: "ClusterSecretStore", name: SECRET_STORE });
                    assert.equal(e.spec.target.name, e.metadata.name);
                    assert.ok(e.spec.data.every((d: any) => d.remoteRef.key.startsWith(`k8s-${env}/`)), "per-cluster AWS secret");
                }
                const targets = new Set(es.map((e) => e.inputs.spec.target.name));
                assert.ok(targets.has(values().grafana.admin.existingSecret));
                assert.ok(am().alertmanagerSpec.secrets.every((s: string) => targets.has(s)));
            });

            it("Grafana: default dashboards on, admin login from the Secret, stateless (no PVC)", () => {
                const g = values().grafana;
                assert.equal(g.defaultDashboardsEnabled, true);
                assert.deepEqual(g.admin, { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" });
                assert.equal(g.adminPassword, undefined);
                assert.equal(g.persistence.enabled, false);
                assert.equal(g.containerSecurityContext.readOnlyRootFilesystem, true);
            });

            it("node-exporter in node-agents; EKS-hidden control plane not scraped; replaced default alerts off", () => {
                assert.equal(values()["prometheus-node-exporter"].namespaceOverride, NODE_AGENTS_NAMESPACE);
                for (const c of ["kubeEtcd", "kubeControllerManager", "kubeScheduler", "kubeProxy"]) assert.equal(values()[c].enabled, false, c);
                const d = values().defaultRules;
                assert.equal(d.create, true);
                for (const g of ["etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeProxy"]) assert.equal(d.rules[g], false, g);
                const ours = new Set(rules().flatMap((g) => g.rules).filter(isAlert).map((r) => r.alert));
                for (const [upstream, replacement] of Object.entries(REPLACED_DEFAULT_ALERTS)) {
                    assert.equal(d.disabled[upstream], true, upstream);
                    assert.ok(ours.has(replacement), `${upstream} is replaced by our ${replacement}`);
                }
            });

            const rules = (): RuleGroup[] => customResources(res(), "PrometheusRule").flatMap((r) => r.inputs.spec.groups);
            it("PrometheusRules in monitoring carry the release label: node, pod, cluster, meta and SLO groups", () => {
                const prs = customResources(res(), "PrometheusRule");
                for (const { inputs } of prs) {
                    assert.equal(inputs.apiVersion, "monitoring.coreos.com/v1");
                    assert.equal(inputs.metadata.namespace, "monitoring");
                    assert.equal(inputs.metadata.labels.release, "kube-prometheus-stack");
                }
                assert.deepEqual(rules().map((g) => g.name).sort(), ["cluster-health", "meta", "node-health", "pod-health", "slo-kv-node"]);
                const alerts = new Set(rules().flatMap((g) => g.rules).filter(isAlert).map((r) => r.alert));
                for (const a of ["NodeNotReady", "NodeDiskPressure", "NodeMemoryHigh", "NodeFilesystemFillingUp", "PodCrashLooping", "PodNotReady",
                    "ContainerOOMKilled", "KubeAPIServerErrorRatioHigh", "DeploymentReplicasUnavailable", "PersistentVolumeFillingUp",
                    "CertificateExpiringSoon", "Watchdog", "SLOErrorBudgetBurn"]) assert.ok(alerts.has(a), a);
            });

            it("the SLO group watches the app's ingress in its namespace over the four burn windows", () => {
                const slo = rules().find((g) => g.name === "slo-kv-node")!;
                const records = slo.rules.filter((r) => !isAlert(r));
                assert.equal(records.length, 7); // 5m 30m 1h 2h 6h 1d 3d
                for (const r of records) assert.match(r.expr, /nginx_ingress_controller_requests\{ingress="kv-node", namespace="apps", status=~"5\.\."\}/);
                const burns = slo.rules.filter(isAlert);
                assert.deepEqual(burns.map((a) => [a.labels.burn_rate, a.labels.severity]),
                    BURN_WINDOWS.map((w) => [String(w.factor), w.severity]));
                assert.match(burns[0].expr, /ratio_rate1h\{slo="kv-node-availability"\} > \(14\.4 \* 0\.001\) and .*ratio_rate5m/);
                assert.match(burns[0].annotations.description, new RegExp(DEFAULTS[env].appHost.replace(/\./g, "\\.")));
            });

            it("Helm values match infra/pulumi/schemas (kube-prometheus-stack, fluent-bit), Kubernetes-typed parts included", () => {
                assert.deepEqual(schemas.errors("kube-prometheus-stack", values()), []);
                assert.deepEqual(schemas.errors("fluent-bit", release(res(), "fluent-bit").values), []);
            });

            it("ExternalSecrets, PrometheusRules and the ServiceMonitor validate against their CRD models", async () => {
                const objs = ["ExternalSecret", "PrometheusRule", "ServiceMonitor"].flatMap((k) => customResources(res(), k));
                assert.equal(objs.length, 2 + 5 + 1);
                const errors = (await Promise.all(objs.map(k8sObjectErrors))).flat();
                assert.deepEqual(errors, []);
            });

            it(`container log group /aws/eks/k8s-${env}/containers keeps logs ${CONTAINER_LOG_RETENTION_DAYS[env]} days`, () => {
                const groups = ofType(res(), "aws:cloudwatch/logGroup:LogGroup").map((g) => g.inputs).filter((g) => g.name.endsWith("/containers"));
                assert.equal(groups.length, 1);
                assert.equal(groups[0].name, `/aws/eks/k8s-${env}/containers`);
                assert.equal(groups[0].retentionInDays, env === "prod" ? 90 : 30);
                assert.equal(groups[0].tags.environment, env);
            });

            const fluentRole = () => ofType(res(), "aws:iam/role:Role").find((r) => r.name === `k8s-${env}-fluent-bit`)!;
            it("fluent-bit IRSA role: trust pinned to node-agents/fluent-bit, writes only to its own log group", () => {
                const trust = statementsOf(fluentRole().inputs.assumeRolePolicy);
                assert.equal(trust.length, 1);
                const cond = trust[0].Condition.StringEquals;
                const sub = Object.entries(cond).find(([k]) => k.endsWith(":sub"))![1];
                assert.equal(sub, "system:serviceaccount:node-agents:fluent-bit");
                assert.ok(Object.entries(cond).some(([k, v]) => k.endsWith(":aud") && v === "sts.amazonaws.com"));
                const stmts = fluentRole().inputs.inlinePolicies.flatMap((p: { policy: string }) => statementsOf(p.policy));
                assert.equal(stmts.length, 1);
                assert.deepEqual([...stmts[0].Action].sort(), ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]);
                const groupArn = `arn:aws:cloudwatch:${REGION}:111122223333:${env}-logging-containers`; // mock ARN of the log group
                assert.deepEqual(stmts[0].Resource, [groupArn, `${groupArn}:*`]);
                assert.ok(stmts[0].Resource.every((r: string) => r !== "*"));
            });

            it("fluent-bit: pinned DaemonSet in node-agents on every node, SA bound to the role, CloudWatch output", () => {
                const r = release(res(), "fluent-bit");
                assert.deepEqual({ chart: r.chart, version: r.version, repo: r.repositoryOpts.repo }, FLUENT_BIT_CHART);
                assert.equal(r.namespace, NODE_AGENTS_NAMESPACE);
                const v = r.values;
                assert.equal(v.kind, "DaemonSet");
                assert.deepEqual(v.tolerations, [{ operator: "Exists" }]);
                assert.equal(v.serviceAccount.name, "fluent-bit");
                assert.equal(v.serviceAccount.annotations["eks.amazonaws.com/role-arn"], `arn:aws:iam:${REGION}:111122223333:${fluentRole().name}`);
                assert.equal(v.securityContext.readOnlyRootFilesystem, true);
                assert.equal(v.securityContext.allowPrivilegeEscalation, false);
                assert.deepEqual(v.securityContext.capabilities, { drop: ["ALL"] });
                assert.deepEqual(v.daemonSetVolumeMounts.find((m: any) => m.mountPath === "/var/log"), { name: "varlog", mountPath: "/var/log", readOnly: true });
                assert.match(v.config.inputs, /Name tail[\s\S]*Path \/var\/log\/containers\/\*\.log/);
                assert.match(v.config.filters, /Name kubernetes/);
                assert.doesNotMatch(JSON.stringify(v.config), /\{\{/, "the chart renders config through tpl");
                assert.match(v.config.outputs, new RegExp(`Name cloudwatch_logs[\\s\\S]*region ${REGION}[\\s\\S]*log_group_name /aws/eks/k8s-${env}/containers[\\s\\S]*auto_create_group Off`));
                const sm = one(res().filter((x) => x.inputs.kind === "ServiceMonitor"), "kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
                assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
                assert.equal(sm.metadata.namespace, NODE_AGENTS_NAMESPACE);
            });

            it("every recorded resource passes every mandatory policy of the pack", () => {
                const custom = res().filter((r) => r.custom);
                assert.ok(custom.length > 20, `${custom.length} resources`);
                assert.deepEqual(custom.flatMap(mandatoryViolations), []);
            });
        });
    }

    it("the values schemas reject a misspelt key, an inline receiver credential and a malformed Kubernetes value", () => {
        const v = release(built.prod.res, "kube-prometheus-stack").values;
        const clone = () => JSON.parse(JSON.stringify(v));
        const typo = clone();
        typo.prometheus.prometheusSpec.retension = "30d";
        assert.ok(schemas.errors("kube-prometheus-stack", typo).some((e) => e.includes("retension")));
        const inline = clone();
        inline.alertmanager.config.receivers.find((r: any) => r.name === "chat").slack_configs[0].api_url = "https://hooks.slack.com/services/T0/B0/x";
        assert.ok(schemas.errors("kube-prometheus-stack", inline).some((e) => e.includes("api_url")));
        const badResources = clone();
        badResources.grafana.resources = { requests: { cpu: ["100m"] } };
        assert.ok(schemas.errors("kube-prometheus-stack", badResources).some((e) => e.includes("IoK8sApiCoreV1ResourceRequirements")));
    });

    it("the sweep would catch a loosened IRSA trust or a wildcard in the log policy (guards the check above)", () => {
        const role = built.prod.res.find((r) => r.name === "k8s-prod-fluent-bit")!;
        const trust = JSON.parse(role.inputs.assumeRolePolicy);
        const cond = trust.Statement[0].Condition;
        cond.StringLike = { [Object.keys(cond.StringEquals)[0]]: "system:serviceaccount:node-agents:*" };
        delete cond.StringEquals;
        const loose = { ...role, inputs: { ...role.inputs, assumeRolePolicy: JSON.stringify(trust) } };
        assert.ok(mandatoryViolations(loose).some((m) => m.startsWith("iam-irsa-subject-condition")));
        const star = { ...role, inputs: { ...role.inputs, inlinePolicies: [{ name: "x", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }] } };
        assert.ok(mandatoryViolations(star).some((m) => m.startsWith("iam-no-wildcard-admin")));
    });
});
