import { strict as assert } from "node:assert";
import { resolveConfig, DEFAULTS } from "../../infra/pulumi/src/config";
import { cidrSubnet } from "../../infra/pulumi/src/network";
import { buildStack, type Stack } from "../../infra/pulumi/src/stack";
import { CONTROL_PLANE_LOGS } from "../../infra/pulumi/src/cluster";
import { mockId, recordStack, settle, type Registered } from "../../src/infra/pulumi-mocks";
import { ADMIN, mandatoryViolations, ofType, one } from "./helpers";

interface Built { res: Registered[]; stack: Stack }

async function build(env: "dev" | "prod"): Promise<Built> {
    const res = await recordStack(env);
    const stack = buildStack(resolveConfig(env, { adminPrincipalArn: ADMIN }));
    await settle(res);
    return { res, stack };
}

describe("infra stack (Pulumi mocks)", function () {
    this.timeout(30000);
    const built: Record<string, Built> = {};
    before(async () => {
        built.dev = await build("dev");
        built.prod = await build("prod");
    });

    describe("config", () => {
        it("applies per-environment defaults", () => {
            const dev = resolveConfig("dev", { adminPrincipalArn: ADMIN });
            const prod = resolveConfig("prod", { adminPrincipalArn: ADMIN });
            assert.equal(dev.natGateways, "single");
            assert.equal(prod.natGateways, "perAz");
            assert.deepEqual(prod.endpointPublicAccessCidrs, []);
            assert.equal(prod.azCount, 3);
            assert.equal(DEFAULTS.dev.azCount, 3);
        });
        it("rejects invalid settings with a clear message", () => {
            assert.throws(() => resolveConfig("staging", {}), /environment must be "dev" or "prod"/);
            assert.throws(() => resolveConfig("dev", {}), /adminPrincipalArn must be an IAM role\/user ARN/);
            assert.throws(() => resolveConfig("dev", { adminPrincipalArn: ADMIN, endpointPublicAccessCidrs: ["0.0.0.0/0"] }), /must not contain 0.0.0.0\/0/);
            assert.throws(() => resolveConfig("dev", { adminPrincipalArn: ADMIN, vpcCidr: "10.0.0.0/33" }), /vpcCidr/);
            assert.throws(() => resolveConfig("dev", { adminPrincipalArn: ADMIN, azCount: 2 }), /azCount must be an integer >= 3/);
            assert.throws(() => resolveConfig("prod", { adminPrincipalArn: ADMIN, natGateways: "single" }), /prod needs natGateways: perAz/);
            assert.throws(() => resolveConfig("prod", { adminPrincipalArn: ADMIN, privateEndpoint: false, endpointPublicAccessCidrs: ["198.51.100.0/24"] }), /prod needs privateEndpoint/);
            assert.throws(() => resolveConfig("dev", { adminPrincipalArn: ADMIN, nodeGroups: [{ name: "x", instanceTypes: ["t3.large"], min: 3, max: 2, desired: 2, diskSizeGiB: 20 }] }), /node group x/);
        });
        it("splits subnets like cidrsubnet", () => {
            assert.equal(cidrSubnet("10.20.0.0/16", 4, 0), "10.20.0.0/20");
            assert.equal(cidrSubnet("10.20.0.0/16", 4, 9), "10.20.144.0/20");
        });
    });

    for (const env of ["dev", "prod"] as const) {
        describe(`${env} stack`, () => {
            const res = () => built[env].res;

            it("VPC across 3 AZs with public LB subnets and private node subnets", () => {
                const vpc = one(res(), "aws:ec2/vpc:Vpc");
                assert.equal(vpc.cidrBlock, env === "dev" ? "10.10.0.0/16" : "10.20.0.0/16");
                const subnets = ofType(res(), "aws:ec2/subnet:Subnet").map((s) => s.inputs);
                const pub = subnets.filter((s) => s.tags["kubernetes.io/role/elb"] === "1");
                const priv = subnets.filter((s) => s.tags["kubernetes.io/role/internal-elb"] === "1");
                assert.equal(pub.length, 3);
                assert.equal(priv.length, 3);
                assert.deepEqual(new Set(priv.map((s) => s.availabilityZone)), new Set(["eu-west-1a", "eu-west-1b", "eu-west-1c"]));
                assert.ok(pub.every((s) => s.mapPublicIpOnLaunch === true));
                assert.ok(priv.every((s) => s.mapPublicIpOnLaunch === false));
                assert.equal(ofType(res(), "aws:ec2/internetGateway:InternetGateway").length, 1);
            });

            it(`NAT gateways: ${env === "prod" ? "one per AZ" : "one"}, private routes egress through them`, () => {
                const nats = ofType(res(), "aws:ec2/natGateway:NatGateway");
                assert.equal(nats.length, env === "prod" ? 3 : 1);
                const natIds = new Set(nats.map((n) => `${n.name}-id`));
                const privRts = ofType(res(), "aws:ec2/routeTable:RouteTable").filter((r) => r.inputs.tags.tier === "private");
                assert.equal(privRts.length, 3);
                const used = new Set(privRts.map((r) => r.inputs.routes[0].natGatewayId));
                assert.ok([...used].every((id) => natIds.has(id)));
                assert.equal(used.size, env === "prod" ? 3 : 1);
                // NATs sit in public subnets.
                const pubIds = new Set(ofType(res(), "aws:ec2/subnet:Subnet").filter((s) => s.inputs.tags.tier === "public").map((s) => mockId(s.type, s.name)));
                assert.ok(nats.every((n) => pubIds.has(n.inputs.subnetId)));
            });

            it("every AWS resource carries the environment tag", () => {
                // Types without a tags input: attachments, associations, S3 bucket sub-resources, queue policies, event targets.
                const taggable = res().filter((r) => r.custom && r.type.startsWith("aws:") && !/Association|Attachment|s3\/bucket[A-Z]|QueuePolicy|EventTarget/.test(r.type));
                assert.ok(taggable.length > 15);
                for (const r of taggable) assert.equal(r.inputs.tags?.environment, env, `${r.type} ${r.name}`);
            });

            it(`API endpoint: private on, ${env === "prod" ? "no public endpoint" : "public only via allow-list"}`, () => {
                const vpc = one(res(), "aws:eks/cluster:Cluster").vpcConfig;
                assert.equal(vpc.endpointPrivateAccess, true);
                if (env === "prod") {
                    assert.equal(vpc.endpointPublicAccess, false);
                    assert.equal(vpc.publicAccessCidrs, undefined);
                } else {
                    assert.equal(vpc.endpointPublicAccess, true);
                    assert.deepEqual(vpc.publicAccessCidrs, ["203.0.113.0/24"]);
                }
            });

            it("secrets encrypted with a rotating KMS key", () => {
                const key = ofType(res(), "aws:kms/key:Key").filter((k) => k.name === `k8s-${env}-secrets`);
                assert.equal(key.length, 1);
                assert.equal(key[0].inputs.enableKeyRotation, true);
                const enc = one(res(), "aws:eks/cluster:Cluster").encryptionConfig;
                assert.deepEqual(enc.resources, ["secrets"]);
                assert.match(enc.provider.keyArn, /^arn:aws:kms:/);
            });

            it("all control-plane logs into a log group with retention", () => {
                assert.deepEqual(one(res(), "aws:eks/cluster:Cluster").enabledClusterLogTypes, CONTROL_PLANE_LOGS);
                const lg = ofType(res(), "aws:cloudwatch/logGroup:LogGroup").find((g) => g.name === `k8s-${env}-cp-logs`)!.inputs;
                assert.equal(lg.name, `/aws/eks/k8s-${env}/cluster`);
                assert.equal(lg.retentionInDays, env === "prod" ? 365 : 30);
            });

            it("access entries: API mode, admin entry with the cluster-admin access policy", () => {
                assert.deepEqual(one(res(), "aws:eks/cluster:Cluster").accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
                const entry = ofType(res(), "aws:eks/accessEntry:AccessEntry").find((e) => e.inputs.type === "STANDARD")!.inputs;
                assert.equal(entry.principalArn, ADMIN);
                const assoc = one(res(), "aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
                assert.equal(assoc.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
                assert.deepEqual(assoc.accessScope, { type: "cluster" });
            });

            it("cluster role has only the managed EKS policy", () => {
                const roles = ofType(res(), "aws:iam/role:Role");
                const clusterRole = roles.find((r) => r.name === `k8s-${env}-cluster`)!;
                const atts = ofType(res(), "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => a.inputs.role === clusterRole.name) // mock state name = resource name;
                assert.deepEqual(atts.map((a) => a.inputs.policyArn), ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
                assert.equal(clusterRole.inputs.inlinePolicies, undefined);
            });

            it("managed node groups in private subnets with IMDSv2 and encrypted EBS", () => {
                const privIds = ofType(res(), "aws:ec2/subnet:Subnet").filter((s) => s.inputs.tags.tier === "private").map((s) => mockId(s.type, s.name)).sort();
                const groups = ofType(res(), "aws:eks/nodeGroup:NodeGroup");
                assert.equal(groups.length, env === "prod" ? 2 : 1);
                assert.deepEqual(one(res(), "aws:eks/cluster:Cluster").vpcConfig.subnetIds.slice().sort(), privIds);
                const lts = new Map(ofType(res(), "aws:ec2/launchTemplate:LaunchTemplate").map((l) => [`${l.name}-id`, l.inputs]));
                for (const g of groups) {
                    assert.deepEqual(g.inputs.subnetIds.slice().sort(), privIds, g.name);
                    assert.equal(g.inputs.remoteAccess, undefined, g.name);
                    assert.ok(g.inputs.scalingConfig.minSize <= g.inputs.scalingConfig.desiredSize);
                    const lt = lts.get(g.inputs.launchTemplate.id)!;
                    assert.ok(lt, `launch template of ${g.name}`);
                    assert.equal(lt.metadataOptions.httpTokens, "required");
                    assert.equal(lt.metadataOptions.httpPutResponseHopLimit, 2);
                    assert.ok(lt.blockDeviceMappings.every((b: any) => b.ebs.encrypted === "true"));
                }
            });

            it("OIDC provider for IRSA; irsaRole pins the exact service account subject and audience", () => {
                const oidc = one(res(), "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
                assert.deepEqual(oidc.clientIdLists, ["sts.amazonaws.com"]);
                const role = ofType(res(), "aws:iam/role:Role").find((r) => r.name === `${env}-controllers-external-dns`)!;
                const stmt = JSON.parse(role.inputs.assumeRolePolicy).Statement;
                assert.equal(stmt.length, 1);
                assert.equal(stmt[0].Action, "sts:AssumeRoleWithWebIdentity");
                assert.match(stmt[0].Principal.Federated, /:oidc-provider\/oidc\.eks\./);
                const host = String(oidc.url).replace("https://", "");
                assert.deepEqual(stmt[0].Condition, { StringEquals: {
                    [`${host}:sub`]: "system:serviceaccount:external-dns:external-dns",
                    [`${host}:aud`]: "sts.amazonaws.com",
                } });
                assert.equal(stmt[0].Condition.StringLike, undefined);
            });

            it("every resource passes every mandatory policy of the pack", () => {
                const custom = res().filter((r) => r.custom);
                assert.ok(custom.length > 30, `${custom.length} resources`);
                assert.deepEqual(custom.flatMap(mandatoryViolations), []);
            });
        });
    }

    it("the pack would catch a regression in the recorded stack (guards the check above)", () => {
        const cluster = built.prod.res.find((r) => r.type === "aws:eks/cluster:Cluster")!;
        const broken = { ...cluster, inputs: { ...cluster.inputs, vpcConfig: { ...cluster.inputs.vpcConfig, endpointPublicAccess: true } } };
        assert.ok(mandatoryViolations(broken).some((m) => m.startsWith("eks-endpoint-restricted")));
    });
});
