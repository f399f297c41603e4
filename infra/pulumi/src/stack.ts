// Composes network and cluster from a resolved config; index.ts (the program) and the tests both call it.
import type { StackConfig } from "./config";
import { Network } from "./network";
import { EksCluster } from "./cluster";
import { k8sProvider } from "./kubeconfig";
import { APP_NAMESPACE, K8sBaseline } from "./k8s-baseline";
import { SampleApp } from "./sample-app";

export interface Stack { network: Network; cluster: EksCluster; baseline: K8sBaseline; app: SampleApp }

export function buildStack(cfg: StackConfig): Stack {
    const clusterName = `k8s-${cfg.env}`;
    const network = new Network(`${cfg.env}-net`, {
        env: cfg.env, vpcCidr: cfg.vpcCidr, azCount: cfg.azCount, natGateways: cfg.natGateways, clusterName,
    });
    const cluster = new EksCluster(clusterName, {
        env: cfg.env,
        kubernetesVersion: cfg.kubernetesVersion,
        // Control-plane ENIs and nodes both live in the private subnets.
        subnetIds: network.privateSubnetIds,
        privateEndpoint: cfg.privateEndpoint,
        endpointPublicAccessCidrs: cfg.endpointPublicAccessCidrs,
        adminPrincipalArn: cfg.adminPrincipalArn,
        logRetentionDays: cfg.logRetentionDays,
        nodeGroups: cfg.nodeGroups,
    });
    // Kubernetes objects go through a provider bound to this cluster, never the ambient kubeconfig.
    const provider = k8sProvider(`${clusterName}-k8s`, cluster, cfg.region, { dependsOn: cluster.nodeGroups });
    const baseline = new K8sBaseline(`${cfg.env}-baseline`, { provider, appQuota: cfg.appQuota });
    const app = new SampleApp("kv-node", {
        provider,
        namespace: baseline.namespaces[APP_NAMESPACE].metadata.name,
        host: cfg.appHost,
        replicas: cfg.appReplicas,
        maxReplicas: cfg.appMaxReplicas,
        clusterIssuer: cfg.env === "prod" ? "letsencrypt-prod" : "letsencrypt-staging",
    });
    return { network, cluster, baseline, app };
}
