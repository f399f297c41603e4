// Composes network, cluster and platform from a resolved config; index.ts (the program) and the tests both call it.
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { Network } from "./network";
import { EksCluster } from "./cluster";
import { k8sProvider } from "./kubeconfig";
import { APP_NAMESPACE, K8sBaseline } from "./k8s-baseline";
import { SampleApp } from "./sample-app";
import { PlatformControllers, SECRET_STORE } from "./platform/controllers";
import { Karpenter } from "./platform/karpenter";
import { Backups } from "./platform/backups";
import { Monitoring, prometheusOperatorCrds } from "./platform/monitoring";
import { LogShipping } from "./platform/logging";
import { CONTAINER_LOG_RETENTION_DAYS } from "./platform/sizing";

export interface Stack {
    network: Network;
    cluster: EksCluster;
    baseline: K8sBaseline;
    controllers: PlatformControllers;
    karpenter: Karpenter;
    backups: Backups;
    monitoring: Monitoring;
    logs: LogShipping;
    app: SampleApp;
}

export const APP_AVAILABILITY_TARGET = 0.999;

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
    const accountId = aws.getCallerIdentityOutput().accountId;
    // Kubernetes objects go through a provider bound to this cluster, never the ambient kubeconfig.
    const provider = k8sProvider(`${clusterName}-k8s`, cluster, cfg.region, { dependsOn: cluster.nodeGroups });
    const baseline = new K8sBaseline(`${cfg.env}-baseline`, { provider, appQuota: cfg.appQuota, controlPlaneCidr: cfg.vpcCidr });
    // Install order: namespaces (PSA labels, NetworkPolicies) -> Prometheus Operator CRDs (every chart's ServiceMonitor
    // needs them) -> controllers -> monitoring (its ExternalSecrets need external-secrets' CRDs) -> the app.
    // Components pass dependsOn on to their children explicitly: a component's own dependsOn does not reach them.
    const namespaces = Object.values(baseline.namespaces);
    const crds = prometheusOperatorCrds(provider, namespaces);
    const ready = [...namespaces, crds];
    const common = { env: cfg.env, provider, cluster, clusterName, region: cfg.region, dependsOn: ready };
    const controllers = new PlatformControllers(`${cfg.env}-controllers`, {
        ...common, accountId, dnsZoneName: cfg.dnsZoneName, hostedZoneId: cfg.hostedZoneId, acmeEmail: cfg.acmeEmail,
    });
    const karpenter = new Karpenter(`${cfg.env}-karpenter`, {
        ...common, accountId, subnetIds: network.privateSubnetIds, cpuLimit: cfg.karpenterCpuLimit, capacityTypes: cfg.karpenterCapacityTypes,
    });
    const backups = new Backups(`${cfg.env}-backups`, { ...common, retentionDays: cfg.backupRetentionDays });
    const appName = "kv-node";
    const monitoring = new Monitoring(`${cfg.env}-monitoring`, {
        env: cfg.env, provider, clusterName,
        app: { namespace: APP_NAMESPACE, name: appName, host: cfg.appHost, availabilityTarget: APP_AVAILABILITY_TARGET },
        alertSecretStore: SECRET_STORE,
        dependsOn: [...ready, controllers.releases.externalSecrets, controllers.secretStore],
    });
    const logs = new LogShipping(`${cfg.env}-logs`, { ...common, logRetentionDays: CONTAINER_LOG_RETENTION_DAYS[cfg.env] });
    const app = new SampleApp(appName, {
        provider,
        namespace: baseline.namespaces[APP_NAMESPACE].metadata.name,
        host: cfg.appHost,
        replicas: cfg.appReplicas,
        maxReplicas: cfg.appMaxReplicas,
        clusterIssuer: cfg.env === "prod" ? "letsencrypt-prod" : "letsencrypt-staging",
    }, { dependsOn: [crds, controllers.releases.ingressNginx, ...controllers.clusterIssuers] });
    return { network, cluster, baseline, controllers, karpenter, backups, monitoring, logs, app };
}
