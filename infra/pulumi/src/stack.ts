// Composes network and cluster from a resolved config; index.ts (the program) and the tests both call it.
import type { StackConfig } from "./config";
import { Network } from "./network";
import { EksCluster } from "./cluster";

export interface Stack { network: Network; cluster: EksCluster }

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
    return { network, cluster };
}
