// Kubeconfig for the Kubernetes provider: token from `aws eks get-token` (the access entry decides the rights).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { EksCluster } from "./cluster";

export function kubeconfigFor(cluster: EksCluster, region: string): pulumi.Output<string> {
    return pulumi.all([cluster.name, cluster.endpoint, cluster.cluster.certificateAuthority]).apply(([name, endpoint, ca]) =>
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name, cluster: { server: endpoint, "certificate-authority-data": ca?.data ?? "" } }],
            contexts: [{ name, context: { cluster: name, user: name } }],
            "current-context": name,
            users: [{ name, user: { exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command: "aws",
                args: ["eks", "get-token", "--cluster-name", name, "--region", region],
            } } }],
        }));
}

export function k8sProvider(name: string, cluster: EksCluster, region: string, opts?: pulumi.CustomResourceOptions): k8s.Provider {
    return new k8s.Provider(name, {
        kubeconfig: kubeconfigFor(cluster, region),
        enableServerSideApply: true,
    }, opts);
}
