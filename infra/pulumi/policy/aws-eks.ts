import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, environmentOf, isTrue, resourcePolicy, WORLD_CIDRS } from "./util";

const CLUSTER = ["aws:eks/cluster:Cluster"];

export const eksEndpointRestricted = resourcePolicy(
    "eks-endpoint-restricted",
    "EKS API endpoint: a public endpoint needs a CIDR allow-list without 0.0.0.0/0; prod also needs the private endpoint.",
    "mandatory",
    CLUSTER,
    (props, report) => {
        const vpc = props.vpcConfig ?? {};
        // AWS enables the public endpoint when the flag is left unset.
        const isPublic = vpc.endpointPublicAccess === undefined || isTrue(vpc.endpointPublicAccess);
        if (isPublic) {
            const cidrs: string[] = asArray(vpc.publicAccessCidrs);
            if (cidrs.length === 0) report("Public EKS endpoint without publicAccessCidrs is open to 0.0.0.0/0.");
            else if (cidrs.some((c) => WORLD_CIDRS.includes(c))) report("publicAccessCidrs must not contain 0.0.0.0/0.");
        }
        if (environmentOf(props) === "prod" && !isTrue(vpc.endpointPrivateAccess)) {
            report("Prod EKS clusters must enable endpointPrivateAccess so nodes reach the API inside the VPC.");
        }
    },
);

export const eksSecretsEncryption = resourcePolicy(
    "eks-secrets-kms-encryption",
    "EKS clusters encrypt Kubernetes secrets with a KMS key (envelope encryption).",
    "mandatory",
    CLUSTER,
    (props, report) => {
        // v6 models encryptionConfig as one object; older versions as a list.
        const ok = asArray<any>(props.encryptionConfig).some(
            (c) => asArray<string>(c?.resources).includes("secrets") && !!c?.provider?.keyArn,
        );
        if (!ok) report("encryptionConfig must encrypt \"secrets\" with a KMS keyArn.");
    },
);

const REQUIRED_LOGS = ["api", "audit", "authenticator"];
export const eksControlPlaneLogging = resourcePolicy(
    "eks-control-plane-logging",
    "EKS control-plane logging covers api, audit and authenticator.",
    "mandatory",
    CLUSTER,
    (props, report) => {
        const enabled = asArray<string>(props.enabledClusterLogTypes);
        const missing = REQUIRED_LOGS.filter((t) => !enabled.includes(t));
        if (missing.length) report(`enabledClusterLogTypes is missing: ${missing.join(", ")}.`);
    },
);

export const eksAccessEntries = resourcePolicy(
    "eks-access-entries",
    "EKS authentication uses access entries (mode API or API_AND_CONFIG_MAP), not only the aws-auth ConfigMap.",
    "mandatory",
    CLUSTER,
    (props, report) => {
        const mode = props.accessConfig?.authenticationMode;
        if (mode !== "API" && mode !== "API_AND_CONFIG_MAP") {
            report(`accessConfig.authenticationMode is ${mode ?? "unset (CONFIG_MAP)"}; use API.`);
        }
    },
);

export const eksNodeGroupNoRemoteAccess = resourcePolicy(
    "eks-nodegroup-no-ssh",
    "Managed node groups have no SSH remote access (use SSM Session Manager instead).",
    "mandatory",
    ["aws:eks/nodeGroup:NodeGroup"],
    (props, report) => {
        if (props.remoteAccess) report("remoteAccess (SSH) must not be configured on node groups.");
    },
);

export const awsEksPolicies: ResourceValidationPolicy[] = [
    eksEndpointRestricted,
    eksSecretsEncryption,
    eksControlPlaneLogging,
    eksAccessEntries,
    eksNodeGroupNoRemoteAccess,
];
