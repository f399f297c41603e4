// Platform-layer policies: Helm releases, queues and Karpenter node classes.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, resourcePolicy } from "./util";

const RELEASE = ["kubernetes:helm.sh/v3:Release"];

export const helmReleasePinned = resourcePolicy(
    "helm-release-pinned",
    "Helm releases pin an exact chart version from an https or oci:// source, and roll back on failure.",
    "mandatory",
    RELEASE,
    (props, report) => {
        if (!/^v?\d+\.\d+\.\d+$/.test(String(props.version ?? ""))) report(`chart ${props.chart} version "${props.version ?? ""}" is not an exact x.y.z version.`);
        const repo = props.repositoryOpts?.repo;
        const oci = String(props.chart ?? "").startsWith("oci://");
        if (!oci && !(typeof repo === "string" && repo.startsWith("https://"))) report(`chart ${props.chart} comes from "${repo ?? "(no repository)"}"; use an https repository or oci://.`);
        if (props.atomic !== true) report(`release ${props.name ?? props.chart} is not atomic: a failed upgrade would stay half-applied.`);
    },
);

/** Keys that hold credentials when given a literal value; *File / existingSecret / secretName style references are fine. */
const SECRET_KEY = /(password|passwd|secret|token|api[_-]?key|webhook[_-]?url|service[_-]?key|routing[_-]?key|credentials)$/i;
const REFERENCE_KEY = /(_file|File|existingSecret|secretName|secretRef|SecretRef|useSecret|Secret\b)$/;

function literalSecrets(values: unknown, path: string[] = []): string[] {
    if (Array.isArray(values)) return values.flatMap((v, i) => literalSecrets(v, [...path, String(i)]));
    if (!values || typeof values !== "object") return [];
    const out: string[] = [];
    for (const [k, v] of Object.entries(values)) {
        const here = [...path, k];
        if (typeof v === "string" && v !== "" && SECRET_KEY.test(k) && !REFERENCE_KEY.test(k)) out.push(here.join("."));
        else out.push(...literalSecrets(v, here));
    }
    return out;
}

export const helmNoPlaintextSecrets = resourcePolicy(
    "helm-values-no-plaintext-secrets",
    "Helm values carry no literal credentials (passwords, tokens, webhook URLs): they come from Secrets (external-secrets).",
    "mandatory",
    RELEASE,
    (props, report) => {
        for (const path of literalSecrets(props.values)) report(`values.${path} holds a literal credential; reference a Secret instead.`);
    },
);

export const sqsEncrypted = resourcePolicy(
    "sqs-encrypted",
    "SQS queues are encrypted at rest (SQS-managed SSE or a KMS key).",
    "mandatory",
    ["aws:sqs/queue:Queue"],
    (props, report) => {
        if (props.sqsManagedSseEnabled !== true && !props.kmsMasterKeyId) report("Queue is not encrypted: set sqsManagedSseEnabled or kmsMasterKeyId.");
    },
);

export const karpenterNodeClassHardened = resourcePolicy(
    "karpenter-nodeclass-hardened",
    "Karpenter EC2NodeClasses require IMDSv2 (hop limit 1), encrypt every EBS volume and pin the AMI (no @latest).",
    "mandatory",
    ["kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"],
    (props, report) => {
        const spec = props.spec ?? {};
        if (spec.metadataOptions?.httpTokens !== "required") report("metadataOptions.httpTokens must be \"required\" (IMDSv2).");
        if (spec.metadataOptions?.httpPutResponseHopLimit !== 1) report("metadataOptions.httpPutResponseHopLimit must be 1: pods must not reach node credentials.");
        const disks = asArray<any>(spec.blockDeviceMappings);
        if (!disks.length || disks.some((d) => d?.ebs?.encrypted !== true)) report("every blockDeviceMapping must set ebs.encrypted: true.");
        for (const t of asArray<any>(spec.amiSelectorTerms)) {
            if (typeof t?.alias === "string" && t.alias.endsWith("@latest")) report(`AMI alias ${t.alias} floats; pin a release (e.g. al2023@v20241121).`);
        }
    },
);

export const platformPolicies: ResourceValidationPolicy[] = [helmReleasePinned, helmNoPlaintextSecrets, sqsEncrypted, karpenterNodeClassHardened];
