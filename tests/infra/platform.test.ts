// Platform controllers, Karpenter and Velero as the stack builds them (dev and prod, under Pulumi mocks).
import { strict as assert } from "node:assert";
import { resolveConfig } from "../../infra/pulumi/src/config";
import { buildStack } from "../../infra/pulumi/src/stack";
import { NAMESPACES } from "../../infra/pulumi/src/k8s-baseline";
import { ACME_SERVERS, SECRET_STORE } from "../../infra/pulumi/src/platform/controllers";
import { INTERRUPTION_EVENTS } from "../../infra/pulumi/src/platform/karpenter";
import { statementsOf } from "../../infra/pulumi/policy/aws-iam";
import { recordStack, settle, type Registered } from "../../src/infra/pulumi-mocks";
import { ADMIN, ofType, one } from "./helpers";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CR = (res: Registered[], kind: string) => res.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind);
const release = (res: Registered[], name: string) => {
    const r = ofType(res, RELEASE).find((x) => x.inputs.name === name);
    assert.ok(r, `Helm release ${name}`);
    return r.inputs;
};
const roles = (res: Registered[]) => ofType(res, "aws:iam/role:Role");
/** The mocks give every resource the ARN arn:aws:<service>:eu-west-1:111122223333:<name>. */
const roleByArn = (res: Registered[], arn: string) => roles(res).find((r) => arn.endsWith(`:${r.name}`));
const trustSubject = (role: Registered): string | undefined => {
    const cond = statementsOf(role.inputs.assumeRolePolicy)[0]?.Condition?.StringEquals ?? {};
    return Object.entries(cond).find(([k]) => k.endsWith(":sub"))?.[1] as string | undefined;
};
const inlineStatements = (role: Registered) => role.inputs.inlinePolicies.flatMap((p: { policy: string }) => statementsOf(p.policy));
/** Read-only API calls: AWS offers no resource-level permission for some, so only these may use Resource "*". */
const READ_ONLY_ON_STAR = /^[a-z0-9-]+:(List|Describe|Get)[A-Za-z]*$/;

/** Every (service-account path in the values) -> role ARN annotation, for any chart that uses IRSA. */
function irsaAnnotations(values: unknown, path = ""): { path: string; arn: string }[] {
    if (!values || typeof values !== "object") return [];
    const out: { path: string; arn: string }[] = [];
    for (const [k, v] of Object.entries(values)) {
        if (k === "eks.amazonaws.com/role-arn") out.push({ path, arn: String(v) });
        else out.push(...irsaAnnotations(v, path ? `${path}.${k}` : k));
    }
    return out;
}
const get = (o: any, path: string) => path.split(".").reduce((a, k) => a?.[k], o);

for (const env of ["dev", "prod"] as const) {
    describe(`platform layer, ${env} (Pulumi mocks)`, function () {
        this.timeout(30000);
        let res: Registered[] = [];
        const cfg = resolveConfig(env, { adminPrincipalArn: ADMIN });
        before(async () => {
            res = await recordStack(env);
            buildStack(cfg);
            await settle(res);
        });

        it("every chart is pinned to an exact version, installs atomically into a namespace the baseline made", () => {
            const releases = ofType(res, RELEASE);
            assert.ok(releases.length >= 8, `found ${releases.length} releases`);
            const namespaces = new Set(NAMESPACES.map((n) => n.name));
            for (const { inputs: r } of releases) {
                assert.match(r.version, /^v?\d+\.\d+\.\d+$/, `${r.name} version ${r.version}`);
                assert.equal(r.atomic, true, r.name);
                assert.equal(r.createNamespace, false, r.name);
                assert.ok(namespaces.has(r.namespace), `${r.name} namespace ${r.namespace}`);
            }
        });

        it("metrics-server is installed (HPA resource metrics), with a PDB and 2 replicas in prod", () => {
            const ms = release(res, "metrics-server");
            assert.equal(ms.values.replicas, env === "prod" ? 2 : 1);
            assert.equal(ms.values.podDisruptionBudget?.enabled === true, env === "prod");
        });

        it("ingress-nginx: NLB, snippets off, HPA in prod, metrics scraped by Prometheus", () => {
            const c = release(res, "ingress-nginx").values.controller;
            assert.equal(c.service.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.equal(c.allowSnippetAnnotations, false);
            assert.equal(c.autoscaling.enabled, env === "prod");
            assert.equal(c.metrics.serviceMonitor.additionalLabels.release, "kube-prometheus-stack");
            assert.equal(c.ingressClassResource.name, "nginx");
        });

        it("every IRSA annotation names a role whose trust pins exactly that chart's namespace and service account", () => {
            let checked = 0;
            for (const { inputs: r } of ofType(res, RELEASE)) {
                for (const { path, arn } of irsaAnnotations(r.values)) {
                    const role = roleByArn(res, arn);
                    assert.ok(role, `${r.name}: role for ${arn}`);
                    const sa = get(r.values, path.replace(/\.annotations$/, ".name"));
                    assert.equal(trustSubject(role), `system:serviceaccount:${r.namespace}:${sa}`, `${r.name} ${path}`);
                    checked++;
                }
            }
            // external-dns, cert-manager, external-secrets, karpenter, velero, log shipper
            assert.ok(checked >= 6, `checked ${checked}`);
        });

        it("controller roles are least privilege: Resource \"*\" only on read-only actions", () => {
            const irsa = roles(res).filter((r) => r.inputs.inlinePolicies?.length);
            assert.ok(irsa.length >= 6);
            for (const role of irsa) {
                for (const s of inlineStatements(role)) {
                    if ([s.Resource].flat().includes("*")) {
                        for (const a of [s.Action].flat()) assert.match(a, READ_ONLY_ON_STAR, `${role.name} ${s.Sid}: ${a} on *`);
                    }
                }
            }
        });

        it("external-dns writes only the configured zone; cert-manager only _acme-challenge TXT records there", () => {
            const zone = `arn:aws:route53:::hostedzone/${cfg.hostedZoneId}`;
            const dns = inlineStatements(roles(res).find((r) => r.name === `${env}-controllers-external-dns`)!);
            assert.deepEqual(dns.find((s: any) => s.Action.includes("route53:ChangeResourceRecordSets")).Resource, zone);
            const cert = inlineStatements(roles(res).find((r) => r.name === `${env}-controllers-cert-manager`)!);
            const change = cert.find((s: any) => s.Action.includes("route53:ChangeResourceRecordSets"));
            assert.equal(change.Resource, zone);
            assert.deepEqual(change.Condition["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsRecordTypes"], ["TXT"]);
            assert.deepEqual(change.Condition["ForAllValues:StringLike"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"], ["_acme-challenge.*"]);
            const ed = release(res, "external-dns").values;
            assert.deepEqual(ed.domainFilters, [cfg.dnsZoneName]);
            assert.equal(ed.policy, env === "prod" ? "upsert-only" : "sync");
            assert.equal(ed.txtOwnerId, `k8s-${env}`);
        });

        it("cert-manager: CRDs kept on uninstall; staging and prod ClusterIssuers solve DNS-01 in the zone", () => {
            assert.deepEqual(release(res, "cert-manager").values.crds, { enabled: true, keep: true });
            const issuers = CR(res, "ClusterIssuer");
            assert.deepEqual(issuers.map((i) => i.inputs.metadata.name).sort(), Object.keys(ACME_SERVERS).sort());
            for (const i of issuers) {
                const acme = i.inputs.spec.acme;
                assert.equal(acme.server, ACME_SERVERS[i.inputs.metadata.name as keyof typeof ACME_SERVERS]);
                assert.equal(acme.email, cfg.acmeEmail);
                assert.deepEqual(acme.solvers[0].dns01.route53, { region: cfg.region, hostedZoneID: cfg.hostedZoneId });
                assert.deepEqual(acme.solvers[0].selector.dnsZones, [cfg.dnsZoneName]);
            }
            const ingress = one(res, "kubernetes:networking.k8s.io/v1:Ingress");
            const issuer = ingress.metadata.annotations["cert-manager.io/cluster-issuer"];
            assert.equal(issuer, env === "prod" ? "letsencrypt-prod" : "letsencrypt-staging");
        });

        it("external-secrets: a ClusterSecretStore on Secrets Manager; its role reads only <cluster>/* secrets", () => {
            const store = CR(res, "ClusterSecretStore");
            assert.equal(store.length, 1);
            assert.equal(store[0].inputs.metadata.name, SECRET_STORE);
            assert.equal(store[0].inputs.spec.provider.aws.service, "SecretsManager");
            const s = inlineStatements(roles(res).find((r) => r.name === `${env}-controllers-external-secrets`)!);
            assert.equal(s.length, 1);
            assert.equal(s[0].Resource, `arn:aws:secretsmanager:${cfg.region}:111122223333:secret:k8s-${env}/*`);
            assert.deepEqual(s[0].Action, ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
        });

        it("Karpenter: interruption queue (encrypted) fed by all four EventBridge rules; nodes join by access entry", () => {
            const queue = one(res, "aws:sqs/queue:Queue");
            assert.equal(queue.sqsManagedSseEnabled, true);
            const rules = ofType(res, "aws:cloudwatch/eventRule:EventRule").map((r) => JSON.parse(r.inputs.eventPattern));
            assert.deepEqual(rules.map((r) => r["detail-type"][0]).sort(), Object.values(INTERRUPTION_EVENTS).map((e) => e["detail-type"][0]).sort());
            const targets = ofType(res, "aws:cloudwatch/eventTarget:EventTarget");
            assert.equal(targets.length, 4);
            assert.ok(targets.every((t) => t.inputs.arn.endsWith(":" + ofType(res, "aws:sqs/queue:Queue")[0].name)));
            const entry = ofType(res, "aws:eks/accessEntry:AccessEntry").find((e) => e.inputs.type === "EC2_LINUX");
            assert.ok(entry, "EC2_LINUX access entry for Karpenter nodes");
            assert.ok(entry.inputs.principalArn.endsWith(`:${env}-karpenter-node`));
        });

        it("Karpenter may pass only its node role, only to EC2, and launches only tagged for this cluster", () => {
            const s = inlineStatements(roles(res).find((r) => r.name === `${env}-karpenter-controller`)!);
            const pass = s.find((x: any) => x.Action.includes("iam:PassRole"));
            assert.ok(pass.Resource.endsWith(`:${env}-karpenter-node`));
            assert.equal(pass.Condition.StringEquals["iam:PassedToService"], "ec2.amazonaws.com");
            const create = s.find((x: any) => x.Sid === "CreateTaggedInstances");
            assert.equal(create.Condition.StringEquals[`aws:RequestTag/kubernetes.io/cluster/k8s-${env}`], "owned");
            const del = s.find((x: any) => x.Action.includes("ec2:TerminateInstances"));
            assert.equal(del.Condition.StringEquals[`aws:ResourceTag/kubernetes.io/cluster/k8s-${env}`], "owned");
        });

        it("Karpenter NodePool and EC2NodeClass: per-env capacity and CPU limit, pinned AMI, IMDSv2, encrypted disks", () => {
            const [pool] = CR(res, "NodePool");
            const req = pool.inputs.spec.template.spec.requirements;
            assert.deepEqual(req.find((r: any) => r.key === "karpenter.sh/capacity-type").values, cfg.karpenterCapacityTypes);
            assert.equal(pool.inputs.spec.limits.cpu, String(cfg.karpenterCpuLimit));
            assert.equal(pool.inputs.spec.disruption.consolidationPolicy, "WhenEmptyOrUnderutilized");
            const [cls] = CR(res, "EC2NodeClass");
            assert.match(cls.inputs.spec.amiSelectorTerms[0].alias, /^al2023@v\d{8}$/, "AMI pinned, not @latest");
            assert.equal(cls.inputs.spec.metadataOptions.httpTokens, "required");
            assert.equal(cls.inputs.spec.blockDeviceMappings[0].ebs.encrypted, true);
            assert.equal(cls.inputs.spec.subnetSelectorTerms.length, 3, "the three private subnets");
            const affinity = release(res, "karpenter").values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0];
            assert.deepEqual(affinity.matchExpressions[0], { key: "karpenter.sh/nodepool", operator: "DoesNotExist" });
        });

        it("Velero: private versioned KMS bucket, daily schedule with the configured retention, IRSA without static keys", () => {
            const pab = one(res, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
            assert.ok(pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets);
            assert.equal(one(res, "aws:s3/bucketVersioning:BucketVersioning").versioningConfiguration.status, "Enabled");
            assert.equal(one(res, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            const v = release(res, "velero").values;
            assert.equal(v.schedules.daily.template.ttl, `${cfg.backupRetentionDays * 24}h0m0s`);
            assert.equal(v.credentials.useSecret, false);
            assert.equal(v.deployNodeAgent, false);
            assert.match(v.initContainers[0].image, /:v\d+\.\d+\.\d+$/);
            const del = inlineStatements(roles(res).find((r) => r.name === `${env}-backups-velero`)!).find((s: any) => s.Action.includes("ec2:DeleteSnapshot"));
            assert.ok(del.Condition.StringLike["ec2:ResourceTag/velero.io/backup"], "deletes only snapshots Velero tagged");
        });

        it("admission webhooks are reachable from the control plane (VPC CIDR) through default-deny", () => {
            const webhook = NAMESPACES.filter((n) => n.webhookPorts?.length);
            assert.ok(webhook.length >= 4);
            for (const ns of webhook) {
                const np = ofType(res, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.inputs.metadata.namespace === ns.name && p.inputs.metadata.name === "allow-webhooks-from-control-plane");
                assert.ok(np, ns.name);
                assert.equal(np.inputs.spec.ingress[0].from[0].ipBlock.cidr, cfg.vpcCidr);
                assert.deepEqual(np.inputs.spec.ingress[0].ports.map((p: any) => p.port), ns.webhookPorts);
            }
        });

        it("Prometheus may scrape every namespace (each one admits the monitoring namespace)", () => {
            for (const ns of NAMESPACES) {
                const np = ofType(res, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => p.inputs.metadata.namespace === ns.name && p.inputs.metadata.name === "allow-from-monitoring");
                assert.ok(np, ns.name);
            }
        });
    });
}
