import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, isTrue, resourcePolicy } from "./util";

export const kmsKeyRotation = resourcePolicy(
    "kms-key-rotation",
    "Symmetric KMS keys have automatic key rotation enabled.",
    "mandatory",
    ["aws:kms/key:Key"],
    (props, report) => {
        // AWS does not support rotation of asymmetric/HMAC keys; only symmetric ones are checked.
        const spec = props.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
        if (spec === "SYMMETRIC_DEFAULT" && !isTrue(props.enableKeyRotation)) report("enableKeyRotation must be true.");
    },
);

const BLOCK_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
export const s3BlockPublicAccess = resourcePolicy(
    "s3-block-public-access",
    "S3 public access blocks turn on all four flags.",
    "mandatory",
    ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"],
    (props, report) => {
        const off = BLOCK_FLAGS.filter((f) => !isTrue(props[f]));
        if (off.length) report(`Public access block must set ${off.join(", ")} to true.`);
    },
);

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
export const s3NoPublicAcl = resourcePolicy(
    "s3-no-public-acl",
    "S3 buckets and bucket ACLs never grant public or any-AWS-user access.",
    "mandatory",
    ["aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket", "aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl"],
    (props, report) => {
        if (PUBLIC_ACLS.includes(props.acl)) report(`ACL "${props.acl}" makes the bucket public.`);
    },
);

export const s3Encryption = resourcePolicy(
    "s3-encryption",
    "S3 server-side encryption configurations use SSE-KMS or SSE-S3 on every rule.",
    "mandatory",
    ["aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"],
    (props, report) => {
        const rules = asArray<any>(props.rules);
        const ok = rules.length > 0 && rules.every((r) =>
            ["aws:kms", "aws:kms:dsse", "AES256"].includes(r?.applyServerSideEncryptionByDefault?.sseAlgorithm));
        if (!ok) report("Every rule must set applyServerSideEncryptionByDefault.sseAlgorithm (aws:kms or AES256).");
    },
);

export const s3Versioning = resourcePolicy(
    "s3-versioning",
    "S3 bucket versioning is Enabled, so Velero backups survive overwrites and deletes.",
    "mandatory",
    ["aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketVersioning:BucketVersioning"],
    (props, report) => {
        const status = props.versioningConfiguration?.status;
        if (status !== "Enabled") report(`versioningConfiguration.status is ${status ?? "unset"}; must be Enabled.`);
    },
);

export const rdsEncryptedPrivate = resourcePolicy(
    "rds-encrypted-private",
    "RDS instances and clusters are storage-encrypted and not publicly accessible.",
    "mandatory",
    ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
    (props, report) => {
        if (!isTrue(props.storageEncrypted)) report("storageEncrypted must be true.");
        if (isTrue(props.publiclyAccessible)) report("publiclyAccessible must be false.");
    },
);

export const ebsEncrypted = resourcePolicy(
    "ebs-encrypted",
    "EBS volumes, including launch-template block devices, are encrypted.",
    "mandatory",
    ["aws:ebs/volume:Volume", "aws:ec2/launchTemplate:LaunchTemplate"],
    (props, report, args) => {
        if (args.type === "aws:ebs/volume:Volume") {
            if (!isTrue(props.encrypted)) report("encrypted must be true.");
            return;
        }
        for (const bd of asArray<any>(props.blockDeviceMappings)) {
            if (bd?.ebs && !isTrue(bd.ebs.encrypted)) report(`Block device ${bd.deviceName ?? "?"} must set ebs.encrypted.`);
        }
    },
);

export const ecrImmutableScanned = resourcePolicy(
    "ecr-immutable-scanned",
    "ECR repositories use immutable tags and scan images on push.",
    "mandatory",
    ["aws:ecr/repository:Repository"],
    (props, report) => {
        if (props.imageTagMutability !== "IMMUTABLE") report("imageTagMutability must be IMMUTABLE.");
        if (!isTrue(props.imageScanningConfiguration?.scanOnPush)) report("imageScanningConfiguration.scanOnPush must be true.");
    },
);

// Advisory: retention is a cost/compliance trade-off the operator may choose differently per stack.
export const logGroupRetention = resourcePolicy(
    "cloudwatch-log-retention",
    "CloudWatch log groups set a retention period (never-expire logs grow cost without bound).",
    "advisory",
    ["aws:cloudwatch/logGroup:LogGroup"],
    (props, report) => {
        if (!props.retentionInDays) report("retentionInDays should be set.");
    },
);

export const awsStoragePolicies: ResourceValidationPolicy[] = [
    kmsKeyRotation,
    s3BlockPublicAccess,
    s3NoPublicAcl,
    s3Encryption,
    s3Versioning,
    rdsEncryptedPrivate,
    ebsEncrypted,
    ecrImmutableScanned,
    logGroupRetention,
];
