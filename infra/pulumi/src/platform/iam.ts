// Least-privilege IAM policy documents for the platform controllers' IRSA roles. Each grants only the actions the
// controller's own docs list, on the narrowest resources AWS supports; `*` appears only for APIs that have no
// resource-level permissions (List*, Describe*, pricing), and then only for read actions.
import * as pulumi from "@pulumi/pulumi";

export interface Statement {
    Sid: string;
    Effect: "Allow";
    Action: string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export const policyDocument = (statements: pulumi.Input<Statement>[]): pulumi.Output<string> =>
    pulumi.output(statements).apply((s) => JSON.stringify({ Version: "2012-10-17", Statement: s }));

const zoneArn = (zoneId: string) => `arn:aws:route53:::hostedzone/${zoneId}`;

/** external-dns: upsert records in one zone only; listing zones has no resource-level permission. */
export function externalDnsPolicy(zoneId: string): pulumi.Output<string> {
    return policyDocument([
        { Sid: "ChangeRecordsInZone", Effect: "Allow", Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResource"], Resource: zoneArn(zoneId) },
        { Sid: "ListZones", Effect: "Allow", Action: ["route53:ListHostedZones"], Resource: "*" },
    ]);
}

/** cert-manager DNS-01: may only write TXT records named _acme-challenge.* in the one zone. */
export function certManagerDns01Policy(zoneId: string): pulumi.Output<string> {
    return policyDocument([
        { Sid: "ChallengeRecordsOnly", Effect: "Allow", Action: ["route53:ChangeResourceRecordSets"], Resource: zoneArn(zoneId),
            Condition: {
                "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] },
                "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.*"] },
            } },
        { Sid: "ReadZone", Effect: "Allow", Action: ["route53:ListResourceRecordSets"], Resource: zoneArn(zoneId) },
        { Sid: "WatchChange", Effect: "Allow", Action: ["route53:GetChange"], Resource: "arn:aws:route53:::change/*" },
        { Sid: "FindZone", Effect: "Allow", Action: ["route53:ListHostedZonesByName"], Resource: "*" },
    ]);
}

/** external-secrets: read secrets under `<cluster>/` in this account and region, nothing else. */
export function externalSecretsPolicy(region: string, accountId: pulumi.Input<string>, clusterName: string): pulumi.Output<string> {
    return pulumi.output(accountId).apply((acct) => policyDocument([
        { Sid: "ReadClusterSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            Resource: `arn:aws:secretsmanager:${region}:${acct}:secret:${clusterName}/*` },
    ]));
}

/** Velero: objects in its bucket; EBS snapshots it creates (tagged by Velero) may be deleted, no others. */
export function veleroPolicy(bucketArn: pulumi.Input<string>, kmsKeyArn: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([bucketArn, kmsKeyArn]).apply(([bucket, key]) => policyDocument([
        { Sid: "BackupObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], Resource: `${bucket}/*` },
        { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket },
        { Sid: "BucketKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], Resource: key },
        { Sid: "DescribeVolumes", Effect: "Allow", Action: ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"], Resource: "*" },
        { Sid: "Snapshot", Effect: "Allow", Action: ["ec2:CreateSnapshot", "ec2:CreateVolume", "ec2:CreateTags"], Resource: ["arn:aws:ec2:*::snapshot/*", "arn:aws:ec2:*:*:volume/*"] },
        { Sid: "DeleteOwnSnapshots", Effect: "Allow", Action: ["ec2:DeleteSnapshot"], Resource: "arn:aws:ec2:*::snapshot/*",
            Condition: { StringLike: { "ec2:ResourceTag/velero.io/backup": "*" } } },
    ]));
}

export interface KarpenterPolicyArgs {
    region: string;
    accountId: pulumi.Input<string>;
    clusterName: string;
    clusterArn: pulumi.Input<string>;
    nodeRoleArn: pulumi.Input<string>;
    queueArn: pulumi.Input<string>;
}

/**
 * Karpenter v1 controller policy, after the project's reference CloudFormation: instances and launch templates
 * only when tagged for this cluster, PassRole only for the Karpenter node role, the interruption queue only.
 */
export function karpenterPolicy(a: KarpenterPolicyArgs): pulumi.Output<string> {
    return pulumi.all([a.accountId, a.clusterArn, a.nodeRoleArn, a.queueArn]).apply(([acct, clusterArn, nodeRole, queue]) => {
        const ec2 = (kind: string) => `arn:aws:ec2:${a.region}:*:${kind}/*`;
        const owned = { [`aws:RequestTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" };
        const ownedResource = { [`aws:ResourceTag/kubernetes.io/cluster/${a.clusterName}`]: "owned" };
        const inRegion = { "aws:RequestedRegion": a.region };
        const profiles = `arn:aws:iam::${acct}:instance-profile/*`;
        return policyDocument([
            { Sid: "LaunchFromSharedResources", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet"],
                Resource: [`arn:aws:ec2:${a.region}::image/*`, `arn:aws:ec2:${a.region}::snapshot/*`, ec2("security-group"), ec2("subnet"), ec2("capacity-reservation")] },
            { Sid: "UseOwnLaunchTemplates", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet"], Resource: ec2("launch-template"),
                Condition: { StringEquals: ownedResource } },
            { Sid: "CreateTaggedInstances", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
                Resource: ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(ec2),
                Condition: { StringEquals: owned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } } },
            { Sid: "TagOnCreate", Effect: "Allow", Action: ["ec2:CreateTags"],
                Resource: ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(ec2),
                Condition: { StringEquals: { ...owned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] } } },
            { Sid: "TagOwnInstances", Effect: "Allow", Action: ["ec2:CreateTags"], Resource: ec2("instance"),
                Condition: { StringEquals: ownedResource, "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] } } },
            { Sid: "DeleteOwn", Effect: "Allow", Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"], Resource: [ec2("instance"), ec2("launch-template")],
                Condition: { StringEquals: ownedResource } },
            { Sid: "RegionalReads", Effect: "Allow",
                Action: ["ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets", "ec2:DescribeCapacityReservations"],
                Resource: "*", Condition: { StringEquals: inRegion } },
            { Sid: "AmiParameters", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: `arn:aws:ssm:${a.region}::parameter/aws/service/*` },
            { Sid: "Pricing", Effect: "Allow", Action: ["pricing:GetProducts"], Resource: "*" },
            { Sid: "InterruptionQueue", Effect: "Allow", Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], Resource: queue },
            { Sid: "PassNodeRole", Effect: "Allow", Action: ["iam:PassRole"], Resource: nodeRole,
                Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } },
            // Instance profiles: created only with this cluster's tags, then touched only while they carry them.
            { Sid: "CreateOwnInstanceProfiles", Effect: "Allow", Action: ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"], Resource: profiles,
                Condition: { StringEquals: { [`aws:RequestTag/kubernetes.io/cluster/${a.clusterName}`]: "owned", "aws:RequestTag/topology.kubernetes.io/region": a.region } } },
            { Sid: "ManageOwnInstanceProfiles", Effect: "Allow", Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"], Resource: profiles,
                Condition: { StringEquals: { ...ownedResource, "aws:ResourceTag/topology.kubernetes.io/region": a.region } } },
            { Sid: "ReadInstanceProfiles", Effect: "Allow", Action: ["iam:GetInstanceProfile"], Resource: profiles },
            { Sid: "DiscoverApiServer", Effect: "Allow", Action: ["eks:DescribeCluster"], Resource: clusterArn },
        ]);
    });
}
