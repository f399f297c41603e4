// The sample application: hardened Deployment, Service, TLS Ingress, HPA, PDB and ServiceMonitor, wired by one label set.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

// Placeholder until the workspace's key-value cluster (or news recommender) image is published; pinned by tag.
export const SAMPLE_IMAGE = "ghcr.io/example/kv-node:0.1.0";
export const APP_PORT = 8080;

export interface SampleAppArgs {
    provider: k8s.Provider;
    namespace: pulumi.Input<string>;
    host: string;
    replicas: number;
    maxReplicas: number;
    /** cert-manager ClusterIssuer: letsencrypt-staging in dev (rate limits), letsencrypt-prod in prod. */
    clusterIssuer: string;
    image?: string;
}

export class SampleApp extends pulumi.ComponentResource {
    readonly selector: Record<string, string>;

    constructor(name: string, args: SampleAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:app:SampleApp", name, {}, { ...opts, provider: args.provider });
        const p = { parent: this };
        const namespace = args.namespace;
        this.selector = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
        const labels = { ...this.selector, "app.kubernetes.io/part-of": "sample-app" };
        const meta = { name, namespace, labels };

        new k8s.apps.v1.Deployment(name, {
            metadata: meta,
            // No spec.replicas: the HPA owns the count, and a fixed value here would fight it on every apply.
            spec: {
                selector: { matchLabels: this.selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: { metadata: { labels }, spec: podSpec(name, args.image ?? SAMPLE_IMAGE, this.selector) },
            },
        }, p);

        new k8s.core.v1.Service(name, {
            metadata: meta,
            spec: { type: "ClusterIP", selector: this.selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
        }, p);

        new k8s.networking.v1.Ingress(name, {
            metadata: { ...meta, annotations: {
                "cert-manager.io/cluster-issuer": args.clusterIssuer,
                "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
            } },
            spec: {
                ingressClassName: "nginx",
                tls: [{ hosts: [args.host], secretName: `${name}-tls` }], // cert-manager fills this Secret
                rules: [{ host: args.host, http: { paths: [{
                    path: "/", pathType: "Prefix", backend: { service: { name, port: { name: "http" } } },
                }] } }],
            },
        }, p);

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, {
            metadata: meta,
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
                minReplicas: args.replicas,
                maxReplicas: args.maxReplicas,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
            },
        }, p);

        // maxUnavailable (not minAvailable) never blocks a node drain outright, whatever the replica count.
        new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: meta,
            spec: { maxUnavailable: 1, selector: { matchLabels: this.selector } },
        }, p);

        new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            // kube-prometheus-stack's Prometheus selects ServiceMonitors by its release label.
            metadata: { name, namespace, labels: { ...labels, release: "kube-prometheus-stack" } },
            spec: {
                selector: { matchLabels: this.selector },
                namespaceSelector: { matchNames: [namespace] },
                endpoints: [{ port: "http", path: "/metrics", interval: "30s" }],
            },
        }, p);
        this.registerOutputs({});
    }
}

function podSpec(name: string, image: string, selector: Record<string, string>): k8s.types.input.core.v1.PodSpec {
    const probe = (path: string) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
    return {
        automountServiceAccountToken: false, // the app does not call the Kubernetes API
        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
        containers: [{
            name,
            image,
            ports: [{ name: "http", containerPort: APP_PORT, protocol: "TCP" }],
            securityContext: {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
            // No CPU limit: throttling hurts latency; the memory limit bounds a leak (see the pack's k8s-resources-set).
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            readinessProbe: probe("/readyz"),
            livenessProbe: { ...probe("/healthz"), initialDelaySeconds: 10 },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }], // the only writable path
        }],
        volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
    };
}
