// Namespaces with Pod Security Admission labels, default-deny NetworkPolicies plus explicit allows,
// and LimitRange/ResourceQuota defaults for app namespaces.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export type PsaLevel = "restricted" | "baseline" | "privileged";
export interface NamespaceSpec {
    name: string;
    psa: PsaLevel;
    /** App namespaces get quotas and accept traffic from the ingress controller and Prometheus. */
    app?: boolean;
    /** Platform controllers call the API server, AWS and ACME over HTTPS; app namespaces do not. */
    httpsEgress?: boolean;
    /** Why a namespace is not `restricted` (required for anything looser). */
    reason?: string;
    /** Admission-webhook ports the API server calls; its ENIs sit in the VPC, so default-deny would break admission. */
    webhookPorts?: number[];
}

export const INGRESS_NAMESPACE = "ingress-nginx";
export const MONITORING_NAMESPACE = "monitoring";
export const APP_NAMESPACE = "apps";

export const NAMESPACES: NamespaceSpec[] = [
    // The controller only adds NET_BIND_SERVICE, which restricted allows; 8443 is its admission webhook.
    { name: INGRESS_NAMESPACE, psa: "restricted", httpsEgress: true, webhookPorts: [8443] },
    { name: "cert-manager", psa: "restricted", httpsEgress: true, webhookPorts: [10250] },
    { name: MONITORING_NAMESPACE, psa: "restricted", httpsEgress: true, webhookPorts: [10250] }, // prometheus-operator admission
    { name: "external-dns", psa: "restricted", httpsEgress: true },
    { name: "external-secrets", psa: "restricted", httpsEgress: true, webhookPorts: [10250] },
    { name: "karpenter", psa: "restricted", httpsEgress: true },
    { name: "metrics-server", psa: "restricted", httpsEgress: true, webhookPorts: [10250] }, // aggregated API: the API server calls it
    { name: "velero", psa: "restricted", httpsEgress: true }, // EBS snapshots + S3 only: no node-agent, no hostPath
    {
        name: "node-agents", psa: "privileged", httpsEgress: true,
        // Kept apart so every other namespace stays restricted; baseline would not do, it forbids these too.
        reason: "node-exporter needs hostNetwork/hostPID and hostPath /proc,/sys; the log shipper reads hostPath /var/log",
    },
    { name: APP_NAMESPACE, psa: "restricted", app: true },
];

const PSA = "pod-security.kubernetes.io";
/** Enforce the level; always warn and audit at restricted so drift in looser namespaces stays visible. */
export function psaLabels(level: PsaLevel): Record<string, string> {
    return { [`${PSA}/enforce`]: level, [`${PSA}/enforce-version`]: "latest", [`${PSA}/warn`]: "restricted", [`${PSA}/audit`]: "restricted" };
}

const nsSelector = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });

export interface QuotaSize { cpu: string; memory: string; memoryLimit: string; pods: string }
export interface K8sBaselineArgs {
    provider: k8s.Provider;
    appQuota: QuotaSize;
    /** Where the control plane's ENIs live (the VPC): the source of admission-webhook calls. */
    controlPlaneCidr: string;
    namespaces?: NamespaceSpec[];
}

export class K8sBaseline extends pulumi.ComponentResource {
    readonly namespaces: Record<string, k8s.core.v1.Namespace> = {};

    constructor(name: string, args: K8sBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:k8s:Baseline", name, {}, { ...opts, provider: args.provider });
        const specs = args.namespaces ?? NAMESPACES;
        for (const spec of specs) {
            if (spec.psa !== "restricted" && !spec.reason) throw new Error(`namespace ${spec.name}: PSA ${spec.psa} needs a reason`);
            const ns = new k8s.core.v1.Namespace(spec.name, {
                metadata: {
                    name: spec.name,
                    labels: psaLabels(spec.psa),
                    // The pack demands restricted; a looser namespace opts out explicitly, with its reason beside it.
                    ...(spec.reason ? { annotations: { "policy.infra/exempt": "k8s-namespace-psa-restricted", "policy.infra/psa-reason": spec.reason } } : {}),
                },
            }, { parent: this });
            this.namespaces[spec.name] = ns;
            const apps = specs.filter((s) => s.app).map((s) => s.name);
            this.networkPolicies(spec, ns, apps, args.controlPlaneCidr);
            if (spec.app) this.appDefaults(spec.name, ns, args.appQuota);
        }
        this.registerOutputs({});
    }

    private netpol(ns: k8s.core.v1.Namespace, namespace: string, name: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) {
        return new k8s.networking.v1.NetworkPolicy(`${namespace}-${name}`, { metadata: { name, namespace }, spec }, { parent: this, dependsOn: [ns] });
    }

    private networkPolicies(spec: NamespaceSpec, ns: k8s.core.v1.Namespace, appNamespaces: string[], controlPlaneCidr: string): void {
        const n = spec.name;
        this.netpol(ns, n, "default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        this.netpol(ns, n, "allow-dns-egress", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{
                to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
            }],
        });
        if (spec.httpsEgress) {
            this.netpol(ns, n, "allow-https-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "TCP", port: 443 }] }] });
        }
        if (n === INGRESS_NAMESPACE) {
            // The NLB forwards client traffic; the controller then proxies to the app namespaces.
            this.netpol(ns, n, "allow-web-ingress", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ protocol: "TCP", port: 80 }, { protocol: "TCP", port: 443 }] }] });
            this.netpol(ns, n, "allow-egress-to-apps", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: appNamespaces.map((a) => ({ namespaceSelector: nsSelector(a) })) }] });
        }
        if (spec.app) {
            this.netpol(ns, n, "allow-from-ingress-nginx", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: nsSelector(INGRESS_NAMESPACE) }] }] });
        }
        // Prometheus scrapes every namespace's pods (platform controllers included), so all of them accept it.
        this.netpol(ns, n, "allow-from-monitoring", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: nsSelector(MONITORING_NAMESPACE) }] }] });
        if (n === MONITORING_NAMESPACE) {
            // Scrape targets span every namespace and the nodes (kubelet 10250, node-exporter 9100): any TCP destination.
            this.netpol(ns, n, "allow-scrape-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "TCP" }] }] });
        }
        if (spec.webhookPorts?.length) {
            this.netpol(ns, n, "allow-webhooks-from-control-plane", {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ ipBlock: { cidr: controlPlaneCidr } }], ports: spec.webhookPorts.map((port) => ({ protocol: "TCP", port })) }],
            });
        }
    }

    private appDefaults(namespace: string, ns: k8s.core.v1.Namespace, q: QuotaSize): void {
        const o = { parent: this, dependsOn: [ns] };
        // Containers that forget resources still get sane requests and a memory ceiling.
        new k8s.core.v1.LimitRange(`${namespace}-defaults`, {
            metadata: { name: "container-defaults", namespace },
            spec: { limits: [{
                type: "Container",
                defaultRequest: { cpu: "100m", memory: "128Mi" },
                default: { memory: "512Mi" },
                max: { memory: "4Gi" },
            }] },
        }, o);
        new k8s.core.v1.ResourceQuota(`${namespace}-quota`, {
            metadata: { name: "namespace-quota", namespace },
            spec: { hard: {
                "requests.cpu": q.cpu, "requests.memory": q.memory, "limits.memory": q.memoryLimit, pods: q.pods,
                "services.loadbalancers": "0", "services.nodeports": "0", // apps are reached through the Ingress only
            } },
        }, o);
    }
}
