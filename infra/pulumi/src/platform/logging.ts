// Container log shipping: fluent-bit as a DaemonSet in node-agents tails every container log, adds Kubernetes
// metadata and writes to CloudWatch Logs through an IRSA role that may only write to its own log group.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { Env } from "../config";
import type { EksCluster } from "../cluster";
import { helmRelease, resources, type ChartRef } from "./helm";

export const NODE_AGENTS_NAMESPACE = "node-agents";
/** Values written against charts/fluent-bit/values.yaml at this version (infra/pulumi/schemas/fluent-bit.values.schema.json). */
export const FLUENT_BIT_CHART: ChartRef = { chart: "fluent-bit", version: "0.53.0", repo: "https://fluent.github.io/helm-charts" };
export const FLUENT_BIT = "fluent-bit"; // release, fullname and ServiceAccount: the IRSA trust pins this exact name
/** Container log retention per environment (the control-plane log group has its own, from the stack config). */
const METRICS_PORT = 2020; // K8sBaseline lets monitoring scrape every namespace, node-agents included
const STATE_DIR = "/var/fluent-bit/state"; // hostPath: tail offsets and the filesystem buffer survive pod restarts

export interface LogShippingArgs {
    env: Env;
    provider: k8s.Provider;
    cluster: EksCluster;
    clusterName: string;
    region: string;
    logRetentionDays: number;
    /** What the Kubernetes objects wait for: the node-agents namespace, and the release that installs the ServiceMonitor CRD. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Least privilege: create streams in and write to this one group; no CreateLogGroup, no "*" resource. */
export function logWriterPolicy(logGroupArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Sid: "WriteContainerLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroupArn, `${logGroupArn}:*`],
        }],
    });
}

/** Classic-mode fluent-bit configuration; plain text (the chart passes it through tpl, so no "{{" in here). */
export function fluentBitConfig(logGroupName: string, region: string) {
    return {
        service: `[SERVICE]
    Daemon Off
    Flush 5
    Log_Level info
    Parsers_File /fluent-bit/etc/parsers.conf
    HTTP_Server On
    HTTP_Listen 0.0.0.0
    HTTP_Port ${METRICS_PORT}
    Health_Check On
    storage.path ${STATE_DIR}/buffer/
    storage.sync normal
    storage.backlog.mem_limit 16M
`,
        inputs: `[INPUT]
    Name tail
    Tag kube.*
    Path /var/log/containers/*.log
    Exclude_Path /var/log/containers/${FLUENT_BIT}-*_${NODE_AGENTS_NAMESPACE}_*.log
    multiline.parser cri, docker
    DB ${STATE_DIR}/tail-containers.db
    DB.locking true
    Mem_Buf_Limit 32MB
    Skip_Long_Lines On
    Refresh_Interval 10
    storage.type filesystem
`,
        filters: `[FILTER]
    Name kubernetes
    Match kube.*
    Merge_Log On
    Keep_Log Off
    K8S-Logging.Parser On
    K8S-Logging.Exclude On
    Labels Off
    Annotations Off
    Buffer_Size 0
`,
        // One stream per container log file (prefix + tag); the group exists already, so no CreateLogGroup right.
        outputs: `[OUTPUT]
    Name cloudwatch_logs
    Match kube.*
    region ${region}
    log_group_name ${logGroupName}
    log_stream_prefix containers.
    auto_create_group Off
    workers 1
    Retry_Limit 5
`,
    };
}

export class LogShipping extends pulumi.ComponentResource {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly role: aws.iam.Role;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: LogShippingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:platform:LogShipping", name, {}, { ...opts, provider: args.provider });
        const logGroupName = `/aws/eks/${args.clusterName}/containers`;
        this.logGroup = new aws.cloudwatch.LogGroup(`${name}-containers`, {
            name: logGroupName,
            retentionInDays: args.logRetentionDays,
            tags: { environment: args.env },
        }, { parent: this });
        this.role = args.cluster.irsaRole(`${args.clusterName}-${FLUENT_BIT}`, NODE_AGENTS_NAMESPACE, FLUENT_BIT,
            this.logGroup.arn.apply(logWriterPolicy));

        const k = { parent: this, dependsOn: args.dependsOn ?? [] };
        this.release = helmRelease(FLUENT_BIT, {
            ...FLUENT_BIT_CHART,
            namespace: NODE_AGENTS_NAMESPACE,
            values: {
                kind: "DaemonSet",
                fullnameOverride: FLUENT_BIT,
                testFramework: { enabled: false }, // its test pod pulls busybox:latest
                serviceAccount: { create: true, name: FLUENT_BIT, annotations: { "eks.amazonaws.com/role-arn": this.role.arn } },
                rbac: { create: true }, // get/list/watch pods and namespaces for the kubernetes filter
                priorityClassName: "system-node-critical", // the last thing to evict from a full node
                tolerations: [{ operator: "Exists" }], // every node, whatever its taints
                // Root (UID 0) only to read the kubelet's root-owned 0640 log files; nothing else: no capabilities
                // (the owner needs none to read), no privilege escalation, read-only root filesystem, RuntimeDefault seccomp.
                podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
                securityContext: {
                    runAsUser: 0, runAsNonRoot: false, privileged: false, allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
                },
                resources: args.env === "prod" ? resources("100m", "128Mi", "512Mi") : resources("50m", "64Mi", "256Mi"),
                updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "20%" } },
                // Only what is read (/var/log, read-only) and the state directory; no docker or machine-id mounts.
                daemonSetVolumes: [
                    { name: "varlog", hostPath: { path: "/var/log", type: "Directory" } },
                    { name: "state", hostPath: { path: STATE_DIR, type: "DirectoryOrCreate" } },
                ],
                daemonSetVolumeMounts: [
                    { name: "varlog", mountPath: "/var/log", readOnly: true },
                    { name: "state", mountPath: STATE_DIR },
                ],
                serviceMonitor: { enabled: false }, // ours below carries the release label Prometheus selects on
                config: fluentBitConfig(logGroupName, args.region),
            },
        }, k);

        new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: FLUENT_BIT, namespace: NODE_AGENTS_NAMESPACE, labels: { release: "kube-prometheus-stack" } },
            spec: {
                selector: { matchLabels: { "app.kubernetes.io/name": FLUENT_BIT, "app.kubernetes.io/instance": FLUENT_BIT } },
                namespaceSelector: { matchNames: [NODE_AGENTS_NAMESPACE] },
                endpoints: [{ port: "http", path: "/api/v2/metrics/prometheus", interval: "30s" }],
            },
        }, { ...k, dependsOn: [...(args.dependsOn ?? []), this.release] });

        this.registerOutputs({ logGroupName: this.logGroup.name, roleArn: this.role.arn });
    }
}
