// Karpenter: node autoscaling beyond the managed node groups. Its controller runs on the managed "system" nodes
// (never on capacity it manages itself) and launches only into this cluster's private subnets.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { type EksCluster, NODE_POLICIES } from "../cluster";
import { helmRelease, resources, type ChartRef } from "./helm";
import { karpenterPolicy } from "./iam";
import { KARPENTER_ROOT_GIB } from "./sizing";

export const KARPENTER_CHART: ChartRef = { chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.1.1" };
export const KARPENTER_NAMESPACE = "karpenter";
/** EKS-optimised AL2023 AMI release, pinned so new nodes match what was tested; bump deliberately. */
export const NODE_AMI_ALIAS = "al2023@v20241121";

/** EventBridge events Karpenter drains nodes ahead of: spot interruptions, rebalance hints, health events, stops. */
export const INTERRUPTION_EVENTS: Record<string, { source: string[]; "detail-type": string[] }> = {
    "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
    rebalance: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
    "instance-state": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
    "scheduled-change": { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
};

export interface KarpenterArgs {
    env: string;
    provider: k8s.Provider;
    cluster: EksCluster;
    clusterName: string;
    region: string;
    accountId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string>[];
    cpuLimit: number;
    capacityTypes: string[];
    /** What the chart waits for (its namespace); a component's dependsOn does not reach its children. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Karpenter extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly nodeRole: aws.iam.Role;
    readonly queue: aws.sqs.Queue;

    constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:platform:Karpenter", name, {}, opts);
        const p = { parent: this };
        const tags = { environment: args.env };

        // A node role of its own: Karpenter's nodes join through an EC2_LINUX access entry, not a managed group.
        this.nodeRole = new aws.iam.Role(`${name}-node`, {
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
            tags,
        }, p);
        NODE_POLICIES.forEach((arn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: this.nodeRole.name, policyArn: arn }, p));
        new aws.eks.AccessEntry(`${name}-node`, { clusterName: args.cluster.name, principalArn: this.nodeRole.arn, type: "EC2_LINUX", tags }, p);

        this.queue = new aws.sqs.Queue(`${name}-interruption`, { messageRetentionSeconds: 300, sqsManagedSseEnabled: true, tags }, p);
        new aws.sqs.QueuePolicy(`${name}-interruption`, {
            queueUrl: this.queue.url,
            policy: this.queue.arn.apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: [{
                Sid: "EventBridgeOnly", Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: arn,
            }] })),
        }, p);
        for (const [event, pattern] of Object.entries(INTERRUPTION_EVENTS)) {
            const rule = new aws.cloudwatch.EventRule(`${name}-${event}`, { eventPattern: JSON.stringify(pattern), tags }, p);
            new aws.cloudwatch.EventTarget(`${name}-${event}`, { rule: rule.name, arn: this.queue.arn }, p);
        }

        const role = args.cluster.irsaRole(`${name}-controller`, KARPENTER_NAMESPACE, "karpenter", karpenterPolicy({
            region: args.region, accountId: args.accountId, clusterName: args.clusterName,
            clusterArn: args.cluster.cluster.arn, nodeRoleArn: this.nodeRole.arn, queueArn: this.queue.arn,
        }));

        this.release = helmRelease("karpenter", {
            ...KARPENTER_CHART,
            namespace: KARPENTER_NAMESPACE,
            values: {
                settings: { clusterName: args.clusterName, interruptionQueue: this.queue.name },
                serviceAccount: { name: "karpenter", annotations: { "eks.amazonaws.com/role-arn": role.arn } },
                replicas: 2,
                podDisruptionBudget: { name: "karpenter", maxUnavailable: 1 },
                // On the managed "system" group: a controller must not run on nodes it may consolidate away.
                affinity: {
                    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
                        { matchExpressions: [{ key: "karpenter.sh/nodepool", operator: "DoesNotExist" }] },
                    ] } },
                    // Setting affinity replaces the chart default, so restate its one-replica-per-node rule.
                    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [
                        { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "karpenter" } } },
                    ] },
                },
                // The chart hard-codes a restricted container securityContext (non-root, read-only root, drop ALL).
                controller: { resources: resources("250m", "512Mi", "1Gi") },
                serviceMonitor: { enabled: true, additionalLabels: { release: "kube-prometheus-stack" } },
            },
        }, { ...p, provider: args.provider, dependsOn: args.dependsOn ?? [] });

        const nodeClass = new k8s.apiextensions.CustomResource(`${name}-default-class`, {
            apiVersion: "karpenter.k8s.aws/v1",
            kind: "EC2NodeClass",
            metadata: { name: "default" },
            spec: {
                role: this.nodeRole.name,
                amiSelectorTerms: [{ alias: NODE_AMI_ALIAS }],
                subnetSelectorTerms: pulumi.output(args.subnetIds).apply((ids) => ids.map((id) => ({ id }))),
                // EKS tags the cluster security group with its cluster name.
                securityGroupSelectorTerms: [{ tags: { "aws:eks:cluster-name": args.clusterName } }],
                metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
                blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: `${KARPENTER_ROOT_GIB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true } }],
                tags,
            },
        }, { ...p, provider: args.provider, dependsOn: [this.release] });

        new k8s.apiextensions.CustomResource(`${name}-default-pool`, {
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name: "default" },
            spec: {
                template: { spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
                    requirements: [
                        { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
                        { key: "karpenter.sh/capacity-type", operator: "In", values: args.capacityTypes },
                        { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
                        { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
                    ],
                    expireAfter: "720h", // nodes are replaced monthly: fresh AMI, no long-lived drift
                } },
                limits: { cpu: String(args.cpuLimit) },
                disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "1m", budgets: [{ nodes: "10%" }] },
            },
        }, { ...p, provider: args.provider, dependsOn: [nodeClass] });
        this.registerOutputs({});
    }
}
