import { strict as assert } from "node:assert";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
// index.ts by explicit path: the folder's package.json "main" is pack.ts, which starts the analyzer's gRPC server.
import { policies } from "../../infra/pulumi/policy/index";
import * as eks from "../../infra/pulumi/policy/aws-eks";
import * as net from "../../infra/pulumi/policy/aws-network";
import * as iam from "../../infra/pulumi/policy/aws-iam";
import * as st from "../../infra/pulumi/policy/aws-storage";
import * as wl from "../../infra/pulumi/policy/k8s-workloads";
import * as pf from "../../infra/pulumi/policy/k8s-platform";
import * as pl from "../../infra/pulumi/policy/platform";
import { podSpecOf, WORKLOAD_TYPES } from "../../infra/pulumi/policy/k8s-pod";

/** Runs a policy against one resource the way the analyzer does and returns the reported messages. */
function violations(policy: ResourceValidationPolicy, type: string, props: Record<string, any>, config: object = {}): string[] {
    const out: string[] = [];
    const name = "res";
    const args: ResourceValidationArgs = {
        type,
        props,
        urn: `urn:pulumi:test::infra::${type}::${name}`,
        name,
        opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => { throw new Error(`notApplicable: ${reason}`); },
    };
    const fns = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const fn of fns) fn(args, (message: string) => { out.push(message); });
    return out;
}

const CLUSTER = "aws:eks/cluster:Cluster";
const goodCluster = () => ({
    tags: { environment: "prod" },
    vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false, subnetIds: ["subnet-a"] },
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:eu-west-1:111:key/k" } },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    accessConfig: { authenticationMode: "API" },
});

describe("infra policy pack", () => {
    it("has at least 20 policies with unique names and descriptions", () => {
        assert.ok(policies.length >= 20, `${policies.length} policies`);
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
        assert.equal(new Set(policies.map((p) => p.description)).size, policies.length);
        for (const p of policies) {
            assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", p.name);
            assert.ok(p.validateResource, p.name);
        }
        assert.deepEqual(policies.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name).sort(),
            ["cloudwatch-log-retention", "k8s-probes"]);
    });

    it("ignores resource types a policy does not cover", () => {
        for (const p of policies) assert.deepEqual(violations(p, "random:index/randomId:RandomId", {}), [], p.name);
    });

    describe("aws-eks", () => {
        it("eks-endpoint-restricted", () => {
            assert.deepEqual(violations(eks.eksEndpointRestricted, CLUSTER, goodCluster()), []);
            const allowList = { ...goodCluster(), vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } };
            assert.deepEqual(violations(eks.eksEndpointRestricted, CLUSTER, allowList), []);
            // Unset public flag means public in AWS; unset tag means prod.
            assert.deepEqual(violations(eks.eksEndpointRestricted, CLUSTER, { vpcConfig: {} }), [
                "Public EKS endpoint without publicAccessCidrs is open to 0.0.0.0/0.",
                "Prod EKS clusters must enable endpointPrivateAccess so nodes reach the API inside the VPC.",
            ]);
            assert.deepEqual(violations(eks.eksEndpointRestricted, CLUSTER, { tags: { environment: "dev" }, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }),
                ["publicAccessCidrs must not contain 0.0.0.0/0."]);
            assert.deepEqual(violations(eks.eksEndpointRestricted, CLUSTER, { tags: { environment: "dev" }, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["198.51.100.7/32"] } }), []);
        });
        it("eks-secrets-kms-encryption", () => {
            assert.deepEqual(violations(eks.eksSecretsEncryption, CLUSTER, goodCluster()), []);
            assert.deepEqual(violations(eks.eksSecretsEncryption, CLUSTER, { encryptionConfig: [{ resources: ["secrets"], provider: { keyArn: "arn:k" } }] }), []);
            assert.deepEqual(violations(eks.eksSecretsEncryption, CLUSTER, {}), ["encryptionConfig must encrypt \"secrets\" with a KMS keyArn."]);
        });
        it("eks-control-plane-logging", () => {
            assert.deepEqual(violations(eks.eksControlPlaneLogging, CLUSTER, goodCluster()), []);
            assert.deepEqual(violations(eks.eksControlPlaneLogging, CLUSTER, { enabledClusterLogTypes: ["api"] }), ["enabledClusterLogTypes is missing: audit, authenticator."]);
        });
        it("eks-access-entries", () => {
            assert.deepEqual(violations(eks.eksAccessEntries, CLUSTER, goodCluster()), []);
            assert.deepEqual(violations(eks.eksAccessEntries, CLUSTER, { accessConfig: { authenticationMode: "CONFIG_MAP" } }), ["accessConfig.authenticationMode is CONFIG_MAP; use API."]);
            assert.deepEqual(violations(eks.eksAccessEntries, CLUSTER, {}), ["accessConfig.authenticationMode is unset (CONFIG_MAP); use API."]);
        });
        it("eks-nodegroup-no-ssh", () => {
            const t = "aws:eks/nodeGroup:NodeGroup";
            assert.deepEqual(violations(eks.eksNodeGroupNoRemoteAccess, t, { subnetIds: ["subnet-a"] }), []);
            assert.deepEqual(violations(eks.eksNodeGroupNoRemoteAccess, t, { remoteAccess: { ec2SshKey: "k" } }), ["remoteAccess (SSH) must not be configured on node groups."]);
        });
    });

    describe("aws-network", () => {
        const SG = "aws:ec2/securityGroup:SecurityGroup";
        const web = (port: number) => ({ protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"] });
        it("ec2-sg-no-world-ingress", () => {
            const p = net.sgNoWorldIngress;
            assert.deepEqual(violations(p, SG, { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"] }] }), []);
            assert.deepEqual(violations(p, SG, { tags: { "network-tier": "public-lb" }, ingress: [web(80), web(443)] }), []);
            assert.deepEqual(violations(p, SG, { ingress: [web(443)] }),
                ["Ingress from the internet on tcp 443-443 is only allowed on security groups tagged network-tier=public-lb."]);
            assert.deepEqual(violations(p, SG, { tags: { "network-tier": "public-lb" }, ingress: [web(22), { protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }] }), [
                "Ingress from the internet on tcp 22-22 is not allowed.",
                "Ingress from the internet on all traffic is not allowed.",
            ]);
            const rule = "aws:ec2/securityGroupRule:SecurityGroupRule";
            assert.deepEqual(violations(p, rule, { type: "ingress", ...web(443) }), []);
            assert.deepEqual(violations(p, rule, { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }), []);
            assert.deepEqual(violations(p, rule, { type: "ingress", protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }), ["Ingress from the internet on tcp 0-65535 is not allowed."]);
            const vpcRule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
            assert.deepEqual(violations(p, vpcRule, { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" }), ["Ingress from the internet on tcp 5432-5432 is not allowed."]);
            assert.deepEqual(violations(p, vpcRule, { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-1" }), []);
        });
        it("ec2-subnet-no-auto-public-ip", () => {
            const t = "aws:ec2/subnet:Subnet";
            assert.deepEqual(violations(net.subnetNoAutoPublicIp, t, { mapPublicIpOnLaunch: false, tags: { "kubernetes.io/role/internal-elb": "1" } }), []);
            assert.deepEqual(violations(net.subnetNoAutoPublicIp, t, { mapPublicIpOnLaunch: true, tags: { "kubernetes.io/role/elb": "1" } }), []);
            assert.deepEqual(violations(net.subnetNoAutoPublicIp, t, { mapPublicIpOnLaunch: true }), ["mapPublicIpOnLaunch is only allowed on subnets tagged kubernetes.io/role/elb=1."]);
        });
        const LT = "aws:ec2/launchTemplate:LaunchTemplate";
        it("ec2-launch-template-no-public-ip", () => {
            assert.deepEqual(violations(net.launchTemplateNoPublicIp, LT, { networkInterfaces: [{ associatePublicIpAddress: "false" }] }), []);
            assert.deepEqual(violations(net.launchTemplateNoPublicIp, LT, { networkInterfaces: [{ associatePublicIpAddress: "true" }] }), ["networkInterfaces must not set associatePublicIpAddress."]);
        });
        it("ec2-launch-template-imdsv2", () => {
            assert.deepEqual(violations(net.launchTemplateImdsV2, LT, { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } }), []);
            assert.deepEqual(violations(net.launchTemplateImdsV2, LT, { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 3 } }), [
                "metadataOptions.httpTokens must be \"required\" (IMDSv2).",
                "metadataOptions.httpPutResponseHopLimit is 3; use at most 2.",
            ]);
        });
    });

    describe("aws-iam", () => {
        const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
        it("iam-no-wildcard-admin", () => {
            const p = iam.iamNoWildcardAdmin;
            assert.deepEqual(violations(p, "aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: ["route53:ChangeResourceRecordSets"], Resource: "arn:aws:route53:::hostedzone/Z1" }) }), []);
            // "*" on a specific resource, or a Deny, is not the admin pattern.
            assert.deepEqual(violations(p, "aws:iam/policy:Policy", { policy: { Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] } }), []);
            const msg = ["Policy allows \"*\" actions on \"*\" resources; grant least privilege."];
            assert.deepEqual(violations(p, "aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }), msg);
            assert.deepEqual(violations(p, "aws:iam/rolePolicy:RolePolicy", { policy: { Statement: { Effect: "Allow", Action: ["*:*"], Resource: ["*"] } } }), msg);
            assert.deepEqual(violations(p, "aws:iam/role:Role", { inlinePolicies: [{ name: "x", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }] }), msg);
        });
        it("iam-no-admin-managed-policy", () => {
            const t = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
            assert.deepEqual(violations(iam.iamNoAdminAttachment, t, { policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" }), []);
            assert.deepEqual(violations(iam.iamNoAdminAttachment, t, { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
                ["arn:aws:iam::aws:policy/AdministratorAccess must not be attached; grant least privilege."]);
        });
        it("iam-irsa-subject-condition", () => {
            const oidc = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";
            const trust = (Condition?: object) => doc({ Effect: "Allow", Principal: { Federated: `arn:aws:iam::1:oidc-provider/${oidc}` }, Action: "sts:AssumeRoleWithWebIdentity", ...(Condition ? { Condition } : {}) });
            const t = "aws:iam/role:Role";
            const msg = ["AssumeRoleWithWebIdentity needs a StringEquals condition on <oidc>:sub = system:serviceaccount:<ns>:<name>."];
            assert.deepEqual(violations(iam.iamIrsaSubjectCondition, t, { assumeRolePolicy: trust({ StringEquals: { [`${oidc}:sub`]: "system:serviceaccount:external-dns:external-dns", [`${oidc}:aud`]: "sts.amazonaws.com" } }) }), []);
            // Non-IRSA trust policies are out of scope.
            assert.deepEqual(violations(iam.iamIrsaSubjectCondition, t, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }) }), []);
            assert.deepEqual(violations(iam.iamIrsaSubjectCondition, t, { assumeRolePolicy: trust({ StringEquals: { [`${oidc}:aud`]: "sts.amazonaws.com" } }) }), msg);
            assert.deepEqual(violations(iam.iamIrsaSubjectCondition, t, { assumeRolePolicy: trust({ StringLike: { [`${oidc}:sub`]: "system:serviceaccount:*:*" } }) }), msg);
            assert.deepEqual(violations(iam.iamIrsaSubjectCondition, t, { assumeRolePolicy: trust() }), msg);
        });
    });

    describe("aws-storage", () => {
        it("kms-key-rotation", () => {
            const t = "aws:kms/key:Key";
            assert.deepEqual(violations(st.kmsKeyRotation, t, { enableKeyRotation: true }), []);
            assert.deepEqual(violations(st.kmsKeyRotation, t, { customerMasterKeySpec: "RSA_2048" }), []);
            assert.deepEqual(violations(st.kmsKeyRotation, t, {}), ["enableKeyRotation must be true."]);
        });
        it("s3-block-public-access", () => {
            const t = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
            assert.deepEqual(violations(st.s3BlockPublicAccess, t, { bucket: "b", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }), []);
            assert.deepEqual(violations(st.s3BlockPublicAccess, t, { bucket: "b", blockPublicAcls: true, ignorePublicAcls: true }),
                ["Public access block must set blockPublicPolicy, restrictPublicBuckets to true."]);
        });
        it("s3-no-public-acl", () => {
            assert.deepEqual(violations(st.s3NoPublicAcl, "aws:s3/bucketV2:BucketV2", { bucket: "velero" }), []);
            assert.deepEqual(violations(st.s3NoPublicAcl, "aws:s3/bucketAclV2:BucketAclV2", { acl: "private" }), []);
            assert.deepEqual(violations(st.s3NoPublicAcl, "aws:s3/bucketV2:BucketV2", { acl: "public-read" }), ["ACL \"public-read\" makes the bucket public."]);
        });
        it("s3-encryption", () => {
            const t = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";
            assert.deepEqual(violations(st.s3Encryption, t, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "k" } }] }), []);
            const msg = ["Every rule must set applyServerSideEncryptionByDefault.sseAlgorithm (aws:kms or AES256)."];
            assert.deepEqual(violations(st.s3Encryption, t, { rules: [] }), msg);
            assert.deepEqual(violations(st.s3Encryption, t, { rules: [{ bucketKeyEnabled: true }] }), msg);
        });
        it("s3-versioning", () => {
            const t = "aws:s3/bucketVersioningV2:BucketVersioningV2";
            assert.deepEqual(violations(st.s3Versioning, t, { versioningConfiguration: { status: "Enabled" } }), []);
            assert.deepEqual(violations(st.s3Versioning, t, { versioningConfiguration: { status: "Suspended" } }), ["versioningConfiguration.status is Suspended; must be Enabled."]);
        });
        it("rds-encrypted-private", () => {
            const t = "aws:rds/instance:Instance";
            assert.deepEqual(violations(st.rdsEncryptedPrivate, t, { storageEncrypted: true, publiclyAccessible: false }), []);
            assert.deepEqual(violations(st.rdsEncryptedPrivate, t, { publiclyAccessible: true }), ["storageEncrypted must be true.", "publiclyAccessible must be false."]);
        });
        it("ebs-encrypted", () => {
            assert.deepEqual(violations(st.ebsEncrypted, "aws:ebs/volume:Volume", { encrypted: true, size: 20 }), []);
            assert.deepEqual(violations(st.ebsEncrypted, "aws:ebs/volume:Volume", { size: 20 }), ["encrypted must be true."]);
            const LT = "aws:ec2/launchTemplate:LaunchTemplate";
            assert.deepEqual(violations(st.ebsEncrypted, LT, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeSize: 50 } }] }), []);
            assert.deepEqual(violations(st.ebsEncrypted, LT, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50 } }] }), ["Block device /dev/xvda must set ebs.encrypted."]);
        });
        it("ecr-immutable-scanned", () => {
            const t = "aws:ecr/repository:Repository";
            assert.deepEqual(violations(st.ecrImmutableScanned, t, { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } }), []);
            assert.deepEqual(violations(st.ecrImmutableScanned, t, { imageTagMutability: "MUTABLE" }),
                ["imageTagMutability must be IMMUTABLE.", "imageScanningConfiguration.scanOnPush must be true."]);
        });
        it("cloudwatch-log-retention", () => {
            const t = "aws:cloudwatch/logGroup:LogGroup";
            assert.deepEqual(violations(st.logGroupRetention, t, { retentionInDays: 90 }), []);
            assert.deepEqual(violations(st.logGroupRetention, t, {}), ["retentionInDays should be set."]);
        });
    });

    describe("k8s-workloads", () => {
        const hardened = () => ({
            name: "app",
            image: "ghcr.io/acme/news-api:1.4.2",
            ports: [{ containerPort: 8080 }],
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
            livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
            readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        });
        const podSpec = (patch: Record<string, any> = {}, container: Record<string, any> = {}) => ({
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ ...hardened(), ...container }],
            ...patch,
        });
        const meta = { name: "app", namespace: "apps" };
        /** The same pod spec wrapped in every workload kind. */
        const wrap = (type: string, spec: object): Record<string, any> => {
            const template = { metadata: { labels: { app: "app" } }, spec };
            switch (type) {
                case "kubernetes:core/v1:Pod": return { metadata: meta, spec };
                case "kubernetes:batch/v1:CronJob": return { metadata: meta, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template } } } };
                default: return { metadata: meta, spec: { template } };
            }
        };
        const DEPLOY = "kubernetes:apps/v1:Deployment";

        it("finds the pod spec of every workload kind through one helper", () => {
            const spec = podSpec();
            for (const t of WORKLOAD_TYPES) assert.equal(podSpecOf(t, wrap(t, spec)), spec, t);
            assert.equal(podSpecOf("kubernetes:core/v1:Service", { spec: {} }), undefined);
        });

        it("a hardened pod spec passes every policy in every workload kind", () => {
            for (const t of WORKLOAD_TYPES) {
                for (const p of policies) assert.deepEqual(violations(p, t, wrap(t, podSpec())), [], `${p.name} on ${t}`);
            }
        });

        it("k8s-no-privileged-containers", () => {
            for (const t of WORKLOAD_TYPES) {
                assert.deepEqual(violations(wl.k8sNoPrivileged, t, wrap(t, podSpec({}, { securityContext: { privileged: true } }))), ["container \"app\" is privileged."], t);
            }
            const init = podSpec({ initContainers: [{ name: "setup", image: "busybox:1.36", securityContext: { privileged: true } }] });
            assert.deepEqual(violations(wl.k8sNoPrivileged, DEPLOY, wrap(DEPLOY, init)), ["initContainer \"setup\" is privileged."]);
        });
        it("k8s-no-host-namespaces", () => {
            assert.deepEqual(violations(wl.k8sNoHostNamespaces, DEPLOY, wrap(DEPLOY, podSpec({ hostNetwork: true, hostPID: true, hostIPC: true }, { ports: [{ containerPort: 80, hostPort: 80 }] }))), [
                "hostNetwork must not be true.", "hostPID must not be true.", "hostIPC must not be true.", "container \"app\" binds a hostPort.",
            ]);
        });
        it("k8s-no-hostpath-volumes", () => {
            assert.deepEqual(violations(wl.k8sNoHostPath, DEPLOY, wrap(DEPLOY, podSpec({ volumes: [{ name: "tmp", emptyDir: {} }] }))), []);
            assert.deepEqual(violations(wl.k8sNoHostPath, DEPLOY, wrap(DEPLOY, podSpec({ volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }] }))), ["volume \"varlog\" is a hostPath."]);
        });
        it("k8s-run-as-non-root", () => {
            // Container-level setting alone is enough.
            assert.deepEqual(violations(wl.k8sRunAsNonRoot, DEPLOY, wrap(DEPLOY, podSpec({ securityContext: {} }, { securityContext: { runAsNonRoot: true } }))), []);
            assert.deepEqual(violations(wl.k8sRunAsNonRoot, DEPLOY, wrap(DEPLOY, podSpec({ securityContext: {} }))), ["container \"app\" must set runAsNonRoot: true."]);
            // A container override beats the pod default.
            assert.deepEqual(violations(wl.k8sRunAsNonRoot, DEPLOY, wrap(DEPLOY, podSpec({}, { securityContext: { runAsNonRoot: false } }))), ["container \"app\" must set runAsNonRoot: true."]);
            assert.deepEqual(violations(wl.k8sRunAsNonRoot, DEPLOY, wrap(DEPLOY, podSpec({}, { securityContext: { runAsUser: 0 } }))), ["container \"app\" runs as UID 0."]);
        });
        it("k8s-read-only-root-filesystem", () => {
            assert.deepEqual(violations(wl.k8sReadOnlyRootFs, DEPLOY, wrap(DEPLOY, podSpec({}, { securityContext: { allowPrivilegeEscalation: false } }))), ["container \"app\" must set readOnlyRootFilesystem: true."]);
        });
        it("k8s-no-privilege-escalation", () => {
            assert.deepEqual(violations(wl.k8sNoPrivilegeEscalation, DEPLOY, wrap(DEPLOY, podSpec({}, { securityContext: { readOnlyRootFilesystem: true } }))), ["container \"app\" must set allowPrivilegeEscalation: false."]);
        });
        it("k8s-drop-all-capabilities", () => {
            const sc = (capabilities: object) => ({ securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities } });
            assert.deepEqual(violations(wl.k8sDropAllCapabilities, DEPLOY, wrap(DEPLOY, podSpec({}, sc({ drop: ["ALL"], add: ["NET_BIND_SERVICE"] })))), []);
            assert.deepEqual(violations(wl.k8sDropAllCapabilities, DEPLOY, wrap(DEPLOY, podSpec({}, sc({ drop: ["NET_RAW"], add: ["SYS_ADMIN"] })))), [
                "container \"app\" must drop ALL capabilities.", "container \"app\" adds capabilities SYS_ADMIN.",
            ]);
        });
        it("k8s-seccomp-profile", () => {
            assert.deepEqual(violations(wl.k8sSeccomp, DEPLOY, wrap(DEPLOY, podSpec({ securityContext: { runAsNonRoot: true } }))), ["container \"app\" has seccompProfile unset; use RuntimeDefault."]);
            assert.deepEqual(violations(wl.k8sSeccomp, DEPLOY, wrap(DEPLOY, podSpec({}, { securityContext: { seccompProfile: { type: "Unconfined" } } }))), ["container \"app\" has seccompProfile Unconfined; use RuntimeDefault."]);
        });
        it("k8s-resources-set", () => {
            assert.deepEqual(violations(wl.k8sResources, DEPLOY, wrap(DEPLOY, podSpec({}, { resources: { limits: { cpu: "1" } } }))), ["container \"app\" is missing resources requests.cpu, requests.memory, limits.memory."]);
        });
        it("k8s-image-pinned", () => {
            assert.ok(wl.imagePinned("registry.local:5000/app@sha256:" + "a".repeat(64)));
            assert.ok(wl.imagePinned("quay.io/jetstack/cert-manager-controller:v1.15.3"));
            assert.ok(!wl.imagePinned("registry.local:5000/app"));
            assert.ok(!wl.imagePinned("nginx:latest"));
            assert.deepEqual(violations(wl.k8sImagePinned, DEPLOY, wrap(DEPLOY, podSpec({}, { image: "nginx" }))), ["container \"app\" image \"nginx\" is not pinned by tag or digest."]);
            const cron = "kubernetes:batch/v1:CronJob";
            assert.deepEqual(violations(wl.k8sImagePinned, cron, wrap(cron, podSpec({}, { image: "acme/report:latest" }))), ["container \"app\" image \"acme/report:latest\" is not pinned by tag or digest."]);
        });
        it("k8s-probes (long-running kinds only)", () => {
            const bare = podSpec({}, { livenessProbe: undefined, readinessProbe: undefined });
            assert.deepEqual(violations(wl.k8sProbes, DEPLOY, wrap(DEPLOY, bare)), ["container \"app\" has no livenessProbe or readinessProbe."]);
            assert.deepEqual(violations(wl.k8sProbes, "kubernetes:batch/v1:Job", wrap("kubernetes:batch/v1:Job", bare)), []);
        });
        it("k8s-no-default-namespace", () => {
            assert.deepEqual(violations(wl.k8sNoDefaultNamespace, "kubernetes:core/v1:Service", { metadata: { name: "s", namespace: "default" } }), ["metadata.namespace is default; use a dedicated namespace."]);
            assert.deepEqual(violations(wl.k8sNoDefaultNamespace, DEPLOY, { ...wrap(DEPLOY, podSpec()), metadata: { name: "x" } }), ["metadata.namespace is unset; use a dedicated namespace."]);
        });
        it("the exempt annotation skips only the named policies", () => {
            const ds = "kubernetes:apps/v1:DaemonSet";
            const props = wrap(ds, podSpec({ hostNetwork: true, volumes: [{ name: "proc", hostPath: { path: "/proc" } }] }, { securityContext: { privileged: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } } }));
            props.metadata = { ...props.metadata, annotations: { "policy.infra/exempt": "k8s-no-host-namespaces, k8s-no-hostpath-volumes" } };
            assert.deepEqual(violations(wl.k8sNoHostNamespaces, ds, props), []);
            assert.deepEqual(violations(wl.k8sNoHostPath, ds, props), []);
            assert.deepEqual(violations(wl.k8sNoPrivileged, ds, props), ["container \"app\" is privileged."]);
        });
    });

    describe("k8s-platform", () => {
        it("k8s-namespace-psa-restricted", () => {
            const t = "kubernetes:core/v1:Namespace";
            assert.deepEqual(violations(pf.k8sNamespacePsaRestricted, t, { metadata: { name: "apps", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }), []);
            assert.deepEqual(violations(pf.k8sNamespacePsaRestricted, t, { metadata: { name: "apps", labels: { "pod-security.kubernetes.io/enforce": "baseline" } } }),
                ["label pod-security.kubernetes.io/enforce is baseline; must be restricted."]);
            assert.deepEqual(violations(pf.k8sNamespacePsaRestricted, t, { metadata: { name: "apps" } }), ["label pod-security.kubernetes.io/enforce is unset; must be restricted."]);
        });
        it("k8s-loadbalancer-only-in-ingress", () => {
            const t = "kubernetes:core/v1:Service";
            const lb = (namespace: string) => ({ metadata: { name: "s", namespace }, spec: { type: "LoadBalancer", ports: [{ port: 443 }] } });
            assert.deepEqual(violations(pf.k8sNoLoadBalancerOutsideIngress, t, lb("ingress-nginx")), []);
            assert.deepEqual(violations(pf.k8sNoLoadBalancerOutsideIngress, t, { metadata: { name: "s", namespace: "apps" }, spec: { type: "ClusterIP" } }), []);
            assert.deepEqual(violations(pf.k8sNoLoadBalancerOutsideIngress, t, lb("apps")), ["LoadBalancer Service in namespace \"apps\"; only ingress-nginx may expose one."]);
            assert.deepEqual(violations(pf.k8sNoLoadBalancerOutsideIngress, t, lb("apps"), { ingressNamespaces: ["apps"] }), []);
        });
        it("k8s-ingress-tls", () => {
            const t = "kubernetes:networking.k8s.io/v1:Ingress";
            const rules = [{ host: "news.example.com" }, { host: "api.example.com" }];
            assert.deepEqual(violations(pf.k8sIngressTls, t, { spec: { rules, tls: [{ hosts: ["news.example.com", "api.example.com"], secretName: "news-tls" }] } }), []);
            assert.deepEqual(violations(pf.k8sIngressTls, t, { spec: { rules } }), ["spec.tls is empty."]);
            assert.deepEqual(violations(pf.k8sIngressTls, t, { spec: { rules, tls: [{ hosts: ["news.example.com"], secretName: "news-tls" }] } }), ["host \"api.example.com\" has no TLS entry."]);
        });
        it("k8s-no-cluster-admin-binding", () => {
            const t = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
            assert.deepEqual(violations(pf.k8sNoClusterAdminBinding, t, { roleRef: { kind: "ClusterRole", name: "view" } }), []);
            assert.deepEqual(violations(pf.k8sNoClusterAdminBinding, t, { roleRef: { kind: "ClusterRole", name: "cluster-admin" } }), ["Binding grants cluster-admin; use an EKS access entry or a narrower role."]);
        });
    });

    describe("platform", () => {
        const REL = "kubernetes:helm.sh/v3:Release";
        const release = (o: object = {}) => ({ name: "x", chart: "cert-manager", version: "v1.16.2", repositoryOpts: { repo: "https://charts.jetstack.io" }, atomic: true, ...o });
        it("helm-release-pinned", () => {
            assert.deepEqual(violations(pl.helmReleasePinned, REL, release()), []);
            assert.deepEqual(violations(pl.helmReleasePinned, REL, release({ chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.1.1", repositoryOpts: undefined })), []);
            assert.deepEqual(violations(pl.helmReleasePinned, REL, release({ version: "^1.16" })), ["chart cert-manager version \"^1.16\" is not an exact x.y.z version."]);
            assert.deepEqual(violations(pl.helmReleasePinned, REL, release({ repositoryOpts: { repo: "http://charts.example.com" } })), ["chart cert-manager comes from \"http://charts.example.com\"; use an https repository or oci://."]);
            assert.deepEqual(violations(pl.helmReleasePinned, REL, release({ atomic: false })), ["release x is not atomic: a failed upgrade would stay half-applied."]);
        });
        it("helm-values-no-plaintext-secrets", () => {
            const ok = { grafana: { admin: { existingSecret: "grafana-admin" } }, alertmanager: { config: { global: { slack_api_url_file: "/etc/am/slack" } } }, tokenTTL: 30 };
            assert.deepEqual(violations(pl.helmNoPlaintextSecrets, REL, release({ values: ok })), []);
            assert.deepEqual(violations(pl.helmNoPlaintextSecrets, REL, release({ values: { grafana: { adminPassword: "hunter2" }, receivers: [{ slack_configs: [{ api_url: "x", webhook_url: "https://hooks.slack.com/T/1" }] }] } })),
                ["values.grafana.adminPassword holds a literal credential; reference a Secret instead.", "values.receivers.0.slack_configs.0.webhook_url holds a literal credential; reference a Secret instead."]);
        });
        it("sqs-encrypted", () => {
            const Q = "aws:sqs/queue:Queue";
            assert.deepEqual(violations(pl.sqsEncrypted, Q, { sqsManagedSseEnabled: true }), []);
            assert.deepEqual(violations(pl.sqsEncrypted, Q, { kmsMasterKeyId: "alias/q" }), []);
            assert.deepEqual(violations(pl.sqsEncrypted, Q, {}), ["Queue is not encrypted: set sqsManagedSseEnabled or kmsMasterKeyId."]);
        });
        it("karpenter-nodeclass-hardened", () => {
            const T = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
            const spec = { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 }, blockDeviceMappings: [{ ebs: { encrypted: true } }], amiSelectorTerms: [{ alias: "al2023@v20241121" }] };
            assert.deepEqual(violations(pl.karpenterNodeClassHardened, T, { spec }), []);
            assert.deepEqual(violations(pl.karpenterNodeClassHardened, T, { spec: { ...spec, metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 2 }, blockDeviceMappings: [{ ebs: {} }], amiSelectorTerms: [{ alias: "al2023@latest" }] } }), [
                "metadataOptions.httpTokens must be \"required\" (IMDSv2).",
                "metadataOptions.httpPutResponseHopLimit must be 1: pods must not reach node credentials.",
                "every blockDeviceMapping must set ebs.encrypted: true.",
                "AMI alias al2023@latest floats; pin a release (e.g. al2023@v20241121).",
            ]);
        });
    });

    it("every policy has a test titled with its name", function () {
        // Guards against adding a policy to the pack without a test.
        let root = this.test!.parent!;
        while (root.parent) root = root.parent;
        const titles = new Set<string>();
        const walk = (s: Mocha.Suite): void => { s.tests.forEach((t) => titles.add(t.title.split(" ")[0])); s.suites.forEach(walk); };
        walk(root);
        for (const p of policies) assert.ok(titles.has(p.name), `no test titled ${p.name}`);
    });
});
