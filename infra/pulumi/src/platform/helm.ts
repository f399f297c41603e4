// One way to install a chart: a helm.v3.Release with a pinned version and repository, so the values the program
// produces are plain resource inputs (tests and the values schemas in infra/pulumi/schemas see them verbatim).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export interface ChartRef {
    chart: string;
    /** Exact chart version: a floating version would let a preview differ from the tested values. */
    version: string;
    /** Chart repository URL; omitted for OCI charts, whose `chart` is the full oci:// reference. */
    repo?: string;
}

export interface ReleaseArgs extends ChartRef {
    namespace: pulumi.Input<string>;
    values: Record<string, unknown>;
}

/** A Helm release that rolls back on failure and never creates its namespace (K8sBaseline owns namespaces). */
export function helmRelease(name: string, args: ReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(name, {
        name,
        chart: args.chart,
        version: args.version,
        ...(args.repo ? { repositoryOpts: { repo: args.repo } } : {}),
        namespace: args.namespace,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        timeout: 600,
        values: args.values,
    }, opts);
}

/** Requests and a memory limit (no CPU limit: throttling hurts latency more than it protects neighbours). */
export const resources = (cpu: string, memory: string, memoryLimit = memory) =>
    ({ requests: { cpu, memory }, limits: { memory: memoryLimit } });

/** The restricted-PSA container settings every chart gets where it exposes them. */
export const restrictedContainer = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};
