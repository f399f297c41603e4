// Velero backups: cluster objects to a private, versioned, KMS-encrypted S3 bucket and volumes as EBS snapshots,
// on a daily schedule. Restores go through the Velero CLI (see the runbook in notebooks/07).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { EksCluster } from "../cluster";
import { helmRelease, resources, restrictedContainer, type ChartRef } from "./helm";
import { veleroPolicy } from "./iam";

export const VELERO_CHART: ChartRef = { chart: "velero", version: "8.1.0", repo: "https://vmware-tanzu.github.io/helm-charts" };
export const VELERO_AWS_PLUGIN = "velero/velero-plugin-for-aws:v1.11.0";
export const BACKUP_SCHEDULE = "0 3 * * *"; // daily, 03:00 UTC: after the nightly batch jobs, before office hours

export interface BackupsArgs {
    env: string;
    provider: k8s.Provider;
    cluster: EksCluster;
    clusterName: string;
    region: string;
    retentionDays: number;
    /** What the chart waits for (its namespace); a component's dependsOn does not reach its children. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Backups extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:platform:Backups", name, {}, opts);
        const p = { parent: this };
        const tags = { environment: args.env };

        const key = new aws.kms.Key(`${name}-key`, { description: `Velero backups of ${args.clusterName}`, enableKeyRotation: true, deletionWindowInDays: 30, tags }, p);
        this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucketPrefix: `${args.clusterName}-velero-`, forceDestroy: false, tags }, p);
        new aws.s3.BucketPublicAccessBlock(`${name}-bucket`, {
            bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
        }, p);
        new aws.s3.BucketOwnershipControls(`${name}-bucket`, { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, p);
        new aws.s3.BucketVersioning(`${name}-bucket`, { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } }, p);
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-bucket`, {
            bucket: this.bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }],
        }, p);
        // Velero expires backups itself (ttl); this only cleans up old versions and aborted uploads.
        new aws.s3.BucketLifecycleConfiguration(`${name}-bucket`, {
            bucket: this.bucket.id,
            rules: [{
                id: "noncurrent-and-incomplete", status: "Enabled", filter: {},
                noncurrentVersionExpiration: { noncurrentDays: 30 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            }],
        }, p);

        const role = args.cluster.irsaRole(`${name}-velero`, "velero", "velero-server", veleroPolicy(this.bucket.arn, key.arn));
        this.release = helmRelease("velero", {
            ...VELERO_CHART,
            namespace: "velero",
            values: {
                initContainers: [{
                    name: "velero-plugin-for-aws", image: VELERO_AWS_PLUGIN, imagePullPolicy: "IfNotPresent",
                    volumeMounts: [{ mountPath: "/target", name: "plugins" }],
                    securityContext: restrictedContainer, resources: resources("10m", "32Mi", "64Mi"),
                }],
                credentials: { useSecret: false }, // IRSA, no static keys
                serviceAccount: { server: { name: "velero-server", annotations: { "eks.amazonaws.com/role-arn": role.arn } } },
                configuration: {
                    backupStorageLocation: [{ name: "default", provider: "aws", bucket: this.bucket.bucket, config: { region: args.region, kmsKeyId: key.arn } }],
                    volumeSnapshotLocation: [{ name: "default", provider: "aws", config: { region: args.region } }],
                },
                deployNodeAgent: false, // EBS snapshots instead of file-level copies: no privileged hostPath agent
                schedules: { daily: {
                    schedule: BACKUP_SCHEDULE,
                    useOwnerReferencesInBackup: false, // backups outlive the Schedule object
                    template: { ttl: `${args.retentionDays * 24}h0m0s`, includedNamespaces: ["*"], snapshotVolumes: true, storageLocation: "default" },
                } },
                resources: resources("100m", "256Mi", "512Mi"),
                containerSecurityContext: restrictedContainer,
                podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                metrics: { enabled: true, serviceMonitor: { enabled: true, additionalLabels: { release: "kube-prometheus-stack" } } },
            },
        }, { ...p, provider: args.provider, dependsOn: args.dependsOn ?? [] });
        this.registerOutputs({ bucket: this.bucket.bucket });
    }
}
