// EKS from plain @pulumi/aws resources (not @pulumi/eks) so every hardening setting is visible to mock tests.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { NodeGroupConfig } from "./config";

export interface EksClusterArgs {
    env: string;
    kubernetesVersion: string;
    subnetIds: pulumi.Input<string>[];
    privateEndpoint: boolean;
    endpointPublicAccessCidrs: string[];
    adminPrincipalArn: string;
    logRetentionDays: number;
    nodeGroups: NodeGroupConfig[];
}

export const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const managed = (p: string) => `arn:aws:iam::aws:policy/${p}`;
export const CLUSTER_POLICIES = [managed("AmazonEKSClusterPolicy")];
// SSM instead of SSH for node access; the CNI policy stays on the node role until vpc-cni moves to IRSA.
export const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"].map(managed);

const assumeBy = (service: string) => JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
});

export class EksCluster extends pulumi.ComponentResource {
    readonly cluster: aws.eks.Cluster;
    readonly kmsKey: aws.kms.Key;
    readonly oidcProvider: aws.iam.OpenIdConnectProvider;
    readonly nodeGroups: aws.eks.NodeGroup[] = [];
    readonly name: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    private readonly tags: Record<string, string>;
    private readonly oidcIssuer: pulumi.Output<string>;

    constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:cluster:EksCluster", name, {}, opts);
        const p = { parent: this };
        this.tags = { environment: args.env };

        this.kmsKey = new aws.kms.Key(`${name}-secrets`, {
            description: `EKS secrets envelope encryption for ${name}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags: this.tags,
        }, p);

        // EKS writes to /aws/eks/<name>/cluster; creating it first lets us own the retention.
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-cp-logs`, {
            name: `/aws/eks/${name}/cluster`,
            retentionInDays: args.logRetentionDays,
            tags: this.tags,
        }, p);

        const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: assumeBy("eks.amazonaws.com"), tags: this.tags }, p);
        const clusterAttachments = CLUSTER_POLICIES.map((arn, i) =>
            new aws.iam.RolePolicyAttachment(`${name}-cluster-${i}`, { role: clusterRole.name, policyArn: arn }, p));

        const isPublic = args.endpointPublicAccessCidrs.length > 0;
        this.cluster = new aws.eks.Cluster(name, {
            name,
            version: args.kubernetesVersion,
            roleArn: clusterRole.arn,
            vpcConfig: {
                subnetIds: args.subnetIds,
                endpointPrivateAccess: args.privateEndpoint,
                endpointPublicAccess: isPublic,
                ...(isPublic ? { publicAccessCidrs: args.endpointPublicAccessCidrs } : {}),
            },
            encryptionConfig: { resources: ["secrets"], provider: { keyArn: this.kmsKey.arn } },
            enabledClusterLogTypes: CONTROL_PLANE_LOGS,
            // Access entries only (no aws-auth ConfigMap); the creator gets no implicit admin.
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            tags: this.tags,
        }, { ...p, dependsOn: [logGroup, ...clusterAttachments] });

        const admin = new aws.eks.AccessEntry(`${name}-admin`, {
            clusterName: this.cluster.name, principalArn: args.adminPrincipalArn, type: "STANDARD", tags: this.tags,
        }, p);
        new aws.eks.AccessPolicyAssociation(`${name}-admin`, {
            clusterName: this.cluster.name,
            principalArn: args.adminPrincipalArn,
            policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            accessScope: { type: "cluster" },
        }, { ...p, dependsOn: [admin] });

        this.oidcIssuer = this.cluster.identities.apply((ids) => ids[0].oidcs![0].issuer!);
        this.oidcProvider = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, {
            url: this.oidcIssuer,
            clientIdLists: ["sts.amazonaws.com"],
            tags: this.tags,
        }, p);

        this.createNodeGroups(name, args, p);

        this.name = this.cluster.name;
        this.endpoint = this.cluster.endpoint;
        this.registerOutputs({ name: this.name, endpoint: this.endpoint });
    }

    private createNodeGroups(name: string, args: EksClusterArgs, p: pulumi.CustomResourceOptions): void {
        const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: assumeBy("ec2.amazonaws.com"), tags: this.tags }, p);
        const attachments = NODE_POLICIES.map((arn, i) =>
            new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: nodeRole.name, policyArn: arn }, p));

        for (const g of args.nodeGroups) {
            const lt = new aws.ec2.LaunchTemplate(`${name}-${g.name}`, {
                // Hop limit 2: pods on the node network namespace+1 reach IMDS only with a v2 token.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
                blockDeviceMappings: [{
                    deviceName: "/dev/xvda",
                    ebs: { encrypted: "true", volumeSize: g.diskSizeGiB, volumeType: "gp3", deleteOnTermination: "true" },
                }],
                tagSpecifications: [{ resourceType: "instance", tags: { ...this.tags, nodegroup: g.name } }],
                tags: this.tags,
            }, p);
            this.nodeGroups.push(new aws.eks.NodeGroup(`${name}-${g.name}`, {
                clusterName: this.cluster.name,
                nodeGroupName: g.name,
                nodeRoleArn: nodeRole.arn,
                subnetIds: args.subnetIds,
                instanceTypes: g.instanceTypes,
                amiType: "AL2023_x86_64_STANDARD",
                scalingConfig: { minSize: g.min, maxSize: g.max, desiredSize: g.desired },
                updateConfig: { maxUnavailable: 1 },
                launchTemplate: { id: lt.id, version: pulumi.interpolate`${lt.latestVersion}` },
                labels: { nodegroup: g.name },
                tags: this.tags,
            }, { ...p, dependsOn: attachments }));
        }
    }

    /** An IRSA role that only `system:serviceaccount:<namespace>:<serviceAccount>` can assume, with one inline policy. */
    irsaRole(name: string, namespace: string, serviceAccount: string, policyJson: pulumi.Input<string>): aws.iam.Role {
        const trust = pulumi.all([this.oidcProvider.arn, this.oidcIssuer]).apply(([arn, issuer]) => {
            const host = issuer.replace(/^https:\/\//, "");
            return JSON.stringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Principal: { Federated: arn },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: {
                        [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${host}:aud`]: "sts.amazonaws.com",
                    } },
                }],
            });
        });
        return new aws.iam.Role(name, {
            assumeRolePolicy: trust,
            inlinePolicies: [{ name: `${name}-policy`, policy: policyJson }],
            tags: this.tags,
        }, { parent: this });
    }
}
