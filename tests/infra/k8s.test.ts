import { strict as assert } from "node:assert";
import { resolveConfig } from "../../infra/pulumi/src/config";
import { buildStack } from "../../infra/pulumi/src/stack";
import { APP_NAMESPACE, INGRESS_NAMESPACE, MONITORING_NAMESPACE, NAMESPACES } from "../../infra/pulumi/src/k8s-baseline";
import { SAMPLE_IMAGE } from "../../infra/pulumi/src/sample-app";
import { recordStack, settle, type Registered } from "../../src/infra/pulumi-mocks";
import { ADMIN, mandatoryViolations, ofType, one } from "./helpers";

const T = {
    ns: "kubernetes:core/v1:Namespace",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    deploy: "kubernetes:apps/v1:Deployment",
    svc: "kubernetes:core/v1:Service",
    ing: "kubernetes:networking.k8s.io/v1:Ingress",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    sm: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
};
const PSA = "pod-security.kubernetes.io/enforce";
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

async function record(env: "dev" | "prod"): Promise<Registered[]> {
    const res = await recordStack(env);
    buildStack(resolveConfig(env, { adminPrincipalArn: ADMIN }));
    await settle(res);
    return res;
}

describe("kubernetes baseline and sample app (Pulumi mocks)", function () {
    this.timeout(30000);
    const built: Record<string, Registered[]> = {};
    before(async () => {
        built.dev = await record("dev");
        built.prod = await record("prod");
    });

    it("config validates the app settings", () => {
        assert.throws(() => resolveConfig("dev", { adminPrincipalArn: ADMIN, appHost: "Not A Host" }), /appHost must be a lower-case DNS name/);
        assert.throws(() => resolveConfig("dev", { adminPrincipalArn: ADMIN, appReplicas: 3, appMaxReplicas: 2 }), /appMaxReplicas must be an integer >= appReplicas/);
        assert.throws(() => resolveConfig("prod", { adminPrincipalArn: ADMIN, appReplicas: 1 }), /prod needs appReplicas >= 2/);
    });

    for (const env of ["dev", "prod"] as const) {
        describe(`${env} stack`, () => {
            const res = () => built[env];
            const k8s = () => res().filter((r) => r.type.startsWith("kubernetes:"));
            const nsNames = () => ofType(res(), T.ns).map((n) => n.inputs.metadata.name as string);

            it("a kubernetes provider bound to the cluster carries every Kubernetes object", () => {
                const prov = ofType(res(), "pulumi:providers:kubernetes");
                assert.equal(prov.length, 1);
                const kc = JSON.parse(prov[0].inputs.kubeconfig);
                assert.equal(kc.clusters[0].cluster.server, `https://k8s-${env}.gr7.eu-west-1.eks.amazonaws.com`);
                assert.deepEqual(kc.users[0].user.exec.args.slice(0, 4), ["eks", "get-token", "--cluster-name", `k8s-${env}`]);
                assert.ok(k8s().length > 30);
            });

            it("platform and app namespaces exist, each with PSA labels; only node-agents is looser, with a reason", () => {
                for (const n of ["ingress-nginx", "cert-manager", "monitoring", "external-dns", "external-secrets", "velero", "apps"]) {
                    assert.ok(nsNames().includes(n), n);
                }
                for (const ns of ofType(res(), T.ns)) {
                    const { labels, annotations, name } = ns.inputs.metadata;
                    assert.ok(["restricted", "baseline", "privileged"].includes(labels[PSA]), name);
                    assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted", name);
                    assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted", name);
                    if (labels[PSA] !== "restricted") {
                        assert.equal(name, "node-agents");
                        assert.match(annotations["policy.infra/psa-reason"], /hostPath/);
                    }
                }
                const restricted = ofType(res(), T.ns).filter((n) => n.inputs.metadata.labels[PSA] === "restricted");
                assert.equal(restricted.length, NAMESPACES.length - 1);
                assert.equal(ofType(res(), T.ns).find((n) => n.inputs.metadata.name === APP_NAMESPACE)!.inputs.metadata.labels[PSA], "restricted");
            });

            it("every namespace has a default-deny-all (ingress and egress) NetworkPolicy and DNS egress", () => {
                const pols = ofType(res(), T.netpol).map((p) => p.inputs);
                for (const n of nsNames()) {
                    const deny = pols.find((p) => p.metadata.namespace === n && p.metadata.name === "default-deny-all");
                    assert.ok(deny, `default-deny in ${n}`);
                    assert.deepEqual(deny.spec.podSelector, {});
                    assert.deepEqual(deny.spec.policyTypes, ["Ingress", "Egress"]);
                    assert.equal(deny.spec.ingress, undefined);
                    assert.equal(deny.spec.egress, undefined);
                    const dns = pols.find((p) => p.metadata.namespace === n && p.metadata.name === "allow-dns-egress")!;
                    assert.deepEqual(dns.spec.egress[0].to[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "kube-system" });
                    assert.deepEqual(dns.spec.egress[0].ports.map((x: any) => `${x.protocol}/${x.port}`), ["UDP/53", "TCP/53"]);
                }
                // Apps get no internet egress.
                assert.ok(!pols.some((p) => p.metadata.namespace === APP_NAMESPACE && p.metadata.name === "allow-https-egress"));
            });

            it("ingress controller may reach the app namespace, and only it and Prometheus may enter it", () => {
                const pols = ofType(res(), T.netpol).map((p) => p.inputs);
                const inApps = pols.filter((p) => p.metadata.namespace === APP_NAMESPACE && p.spec.ingress);
                const sources = inApps.flatMap((p) => p.spec.ingress.flatMap((i: any) => i.from.map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"])));
                assert.deepEqual(sources.sort(), [INGRESS_NAMESPACE, MONITORING_NAMESPACE]);
                const out = pols.find((p) => p.metadata.namespace === INGRESS_NAMESPACE && p.metadata.name === "allow-egress-to-apps")!;
                assert.deepEqual(out.spec.egress[0].to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": APP_NAMESPACE } } }]);
            });

            it("app namespace has LimitRange defaults and a ResourceQuota without LoadBalancers", () => {
                const lr = one(res(), "kubernetes:core/v1:LimitRange");
                assert.equal(lr.metadata.namespace, APP_NAMESPACE);
                assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: "100m", memory: "128Mi" });
                const rq = one(res(), "kubernetes:core/v1:ResourceQuota");
                assert.equal(rq.metadata.namespace, APP_NAMESPACE);
                assert.equal(rq.spec.hard["services.loadbalancers"], "0");
                assert.equal(rq.spec.hard["requests.cpu"], env === "prod" ? "16" : "4");
            });

            it("sample app: Deployment, Service, Ingress, HPA, PDB, ServiceMonitor wired by one label set", () => {
                const d = one(res(), T.deploy);
                const sel = d.spec.selector.matchLabels;
                const podLabels = d.spec.template.metadata.labels;
                assert.ok(matches(sel, podLabels));
                assert.equal(d.metadata.namespace, APP_NAMESPACE);
                const svc = one(res(), T.svc);
                assert.equal(svc.spec.type, "ClusterIP");
                assert.ok(matches(svc.spec.selector, podLabels));
                const port = d.spec.template.spec.containers[0].ports[0];
                assert.equal(svc.spec.ports[0].targetPort, port.name);
                const ing = one(res(), T.ing);
                const backend = ing.spec.rules[0].http.paths[0].backend.service;
                assert.equal(backend.name, svc.metadata.name);
                assert.equal(backend.port.name, svc.spec.ports[0].name);
                const hpa = one(res(), T.hpa);
                assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: d.metadata.name });
                const pdb = one(res(), T.pdb);
                assert.ok(matches(pdb.spec.selector.matchLabels, podLabels));
                assert.ok(pdb.spec.maxUnavailable !== undefined || pdb.spec.minAvailable !== undefined);
                const sm = ofType(res(), T.sm).find((m) => m.inputs.metadata.namespace === APP_NAMESPACE)!.inputs;
                assert.equal(sm.apiVersion, "monitoring.coreos.com/v1");
                assert.ok(matches(sm.spec.selector.matchLabels, svc.metadata.labels));
                assert.deepEqual(sm.spec.namespaceSelector.matchNames, [APP_NAMESPACE]);
                assert.equal(sm.spec.endpoints[0].port, svc.spec.ports[0].name);
                assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
                for (const o of [svc, ing, hpa, pdb, sm]) assert.equal(o.metadata.namespace, APP_NAMESPACE);
            });

            it(`Ingress: class nginx, TLS for the configured host via cert-manager ${env === "prod" ? "production" : "staging"} issuer`, () => {
                const ing = one(res(), T.ing);
                const host = env === "prod" ? "kv.example.com" : "kv.dev.example.com";
                assert.equal(ing.spec.ingressClassName, "nginx");
                assert.equal(ing.spec.rules[0].host, host);
                assert.deepEqual(ing.spec.tls, [{ hosts: [host], secretName: "kv-node-tls" }]);
                assert.equal(ing.metadata.annotations["cert-manager.io/cluster-issuer"], env === "prod" ? "letsencrypt-prod" : "letsencrypt-staging");
            });

            it("HPA autoscaling/v2 on 70% CPU within the configured bounds; the Deployment leaves replicas to it", () => {
                const hpa = one(res(), T.hpa);
                assert.equal(hpa.apiVersion, "autoscaling/v2");
                assert.equal(hpa.spec.minReplicas, env === "prod" ? 3 : 2);
                assert.equal(hpa.spec.maxReplicas, env === "prod" ? 12 : 4);
                assert.deepEqual(hpa.spec.metrics[0].resource, { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } });
                assert.equal(one(res(), T.deploy).spec.replicas, undefined);
            });

            it("hardened pod spec: non-root, read-only root fs, no caps, seccomp, resources, probes, pinned image", () => {
                const spec = one(res(), T.deploy).spec.template.spec;
                const c = spec.containers[0];
                assert.equal(spec.securityContext.runAsNonRoot, true);
                assert.notEqual(spec.securityContext.runAsUser, 0);
                assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault");
                assert.equal(spec.automountServiceAccountToken, false);
                assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
                assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
                assert.ok(c.readinessProbe.httpGet && c.livenessProbe.httpGet);
                assert.equal(c.image, SAMPLE_IMAGE);
                assert.match(c.image, /:\d+\.\d+\.\d+$/);
            });

            it("every Kubernetes object passes every mandatory policy of the pack", () => {
                assert.deepEqual(k8s().filter((r) => r.custom).flatMap(mandatoryViolations), []);
            });
        });
    }

    it("the sweep would catch a regression in the recorded objects (guards the check above)", () => {
        const ns = built.prod.find((r) => r.type === T.ns && r.inputs.metadata.name === APP_NAMESPACE)!;
        const loose = { ...ns, inputs: { ...ns.inputs, metadata: { ...ns.inputs.metadata, labels: { [PSA]: "baseline" } } } };
        assert.ok(mandatoryViolations(loose).some((m) => m.startsWith("k8s-namespace-psa-restricted")));
        const d = built.prod.find((r) => r.type === T.deploy)!;
        const c = d.inputs.spec.template.spec.containers[0];
        const root = structuredClone(d);
        root.inputs.spec.template.spec.containers[0] = { ...c, securityContext: { ...c.securityContext, runAsNonRoot: false } };
        assert.ok(mandatoryViolations(root).some((m) => m.startsWith("k8s-run-as-non-root")));
    });
});
