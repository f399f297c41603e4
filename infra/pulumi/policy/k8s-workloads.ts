import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, resourcePolicy } from "./util";
import { containersOf, label, LONG_RUNNING_TYPES, podPolicy, WORKLOAD_TYPES } from "./k8s-pod";

export const k8sNoPrivileged = podPolicy(
    "k8s-no-privileged-containers",
    "No container runs privileged.",
    "mandatory",
    (spec, report) => {
        for (const r of containersOf(spec)) if (r.c.securityContext?.privileged === true) report(`${label(r)} is privileged.`);
    },
);

export const k8sNoHostNamespaces = podPolicy(
    "k8s-no-host-namespaces",
    "Pods do not share the node's network, PID or IPC namespace, and bind no host ports.",
    "mandatory",
    (spec, report) => {
        for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[f] === true) report(`${f} must not be true.`);
        for (const r of containersOf(spec)) {
            if (asArray<any>(r.c.ports).some((p) => p?.hostPort)) report(`${label(r)} binds a hostPort.`);
        }
    },
);

export const k8sNoHostPath = podPolicy(
    "k8s-no-hostpath-volumes",
    "Pods mount no hostPath volumes.",
    "mandatory",
    (spec, report) => {
        for (const v of asArray<any>(spec.volumes)) if (v?.hostPath) report(`volume "${v.name}" is a hostPath.`);
    },
);

export const k8sRunAsNonRoot = podPolicy(
    "k8s-run-as-non-root",
    "Every container runs as non-root (runAsNonRoot at pod or container level, never UID 0).",
    "mandatory",
    (spec, report) => {
        const pod = spec.securityContext ?? {};
        for (const r of containersOf(spec)) {
            const sc = r.c.securityContext ?? {};
            const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot; // container setting overrides the pod's
            const uid = sc.runAsUser ?? pod.runAsUser;
            if (nonRoot !== true) report(`${label(r)} must set runAsNonRoot: true.`);
            else if (uid === 0) report(`${label(r)} runs as UID 0.`);
        }
    },
);

export const k8sReadOnlyRootFs = podPolicy(
    "k8s-read-only-root-filesystem",
    "Every container has a read-only root filesystem.",
    "mandatory",
    (spec, report) => {
        for (const r of containersOf(spec)) {
            if (r.c.securityContext?.readOnlyRootFilesystem !== true) report(`${label(r)} must set readOnlyRootFilesystem: true.`);
        }
    },
);

export const k8sNoPrivilegeEscalation = podPolicy(
    "k8s-no-privilege-escalation",
    "Every container sets allowPrivilegeEscalation: false.",
    "mandatory",
    (spec, report) => {
        for (const r of containersOf(spec)) {
            if (r.c.securityContext?.allowPrivilegeEscalation !== false) report(`${label(r)} must set allowPrivilegeEscalation: false.`);
        }
    },
);

export const k8sDropAllCapabilities = podPolicy(
    "k8s-drop-all-capabilities",
    "Containers drop ALL capabilities and add back at most NET_BIND_SERVICE (PSS restricted).",
    "mandatory",
    (spec, report) => {
        for (const r of containersOf(spec)) {
            const caps = r.c.securityContext?.capabilities ?? {};
            if (!asArray<string>(caps.drop).includes("ALL")) report(`${label(r)} must drop ALL capabilities.`);
            const extra = asArray<string>(caps.add).filter((c) => c !== "NET_BIND_SERVICE");
            if (extra.length) report(`${label(r)} adds capabilities ${extra.join(", ")}.`);
        }
    },
);

const SECCOMP_OK = ["RuntimeDefault", "Localhost"];
export const k8sSeccomp = podPolicy(
    "k8s-seccomp-profile",
    "Every container runs under a RuntimeDefault or Localhost seccomp profile (pod or container level).",
    "mandatory",
    (spec, report) => {
        const podType = spec.securityContext?.seccompProfile?.type;
        for (const r of containersOf(spec)) {
            const type = r.c.securityContext?.seccompProfile?.type ?? podType;
            if (!SECCOMP_OK.includes(type)) report(`${label(r)} has seccompProfile ${type ?? "unset"}; use RuntimeDefault.`);
        }
    },
);

// CPU limits are deliberately not required: they throttle latency-sensitive pods while requests already
// drive scheduling; memory limits bound the blast radius of a leak.
export const k8sResources = podPolicy(
    "k8s-resources-set",
    "Every container sets cpu and memory requests and a memory limit.",
    "mandatory",
    (spec, report) => {
        for (const r of containersOf(spec, true).filter((x) => x.kind !== "ephemeralContainer")) {
            const res = r.c.resources ?? {};
            const missing = [
                ["requests", "cpu"], ["requests", "memory"], ["limits", "memory"],
            ].filter(([k, v]) => res[k]?.[v] === undefined).map(([k, v]) => `${k}.${v}`);
            if (missing.length) report(`${label(r)} is missing resources ${missing.join(", ")}.`);
        }
    },
);

/** True if the image names a digest, or a tag other than "latest". */
export function imagePinned(image: string): boolean {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const last = image.split("/").pop() ?? ""; // a registry port ("host:5000/app") is not a tag
    const i = last.indexOf(":");
    return i >= 0 && last.slice(i + 1) !== "" && last.slice(i + 1) !== "latest";
}

export const k8sImagePinned = podPolicy(
    "k8s-image-pinned",
    "Container images are pinned by a digest or an explicit tag other than latest.",
    "mandatory",
    (spec, report) => {
        for (const r of containersOf(spec)) {
            if (typeof r.c.image !== "string" || !imagePinned(r.c.image)) report(`${label(r)} image "${r.c.image}" is not pinned by tag or digest.`);
        }
    },
);

// Advisory: some third-party daemons expose no health endpoint; a missing probe is a smell, not a breach.
export const k8sProbes = podPolicy(
    "k8s-probes",
    "Long-running containers define liveness and readiness probes.",
    "advisory",
    (spec, report) => {
        for (const r of containersOf(spec, false)) {
            const missing = ["livenessProbe", "readinessProbe"].filter((p) => !r.c[p]);
            if (missing.length) report(`${label(r)} has no ${missing.join(" or ")}.`);
        }
    },
    LONG_RUNNING_TYPES,
);

export const k8sNoDefaultNamespace = resourcePolicy(
    "k8s-no-default-namespace",
    "Workloads, Services and Ingresses name an explicit namespace other than default.",
    "mandatory",
    [...WORKLOAD_TYPES, "kubernetes:core/v1:Service", "kubernetes:networking.k8s.io/v1:Ingress"],
    (props, report) => {
        const ns = props.metadata?.namespace;
        if (!ns || ns === "default") report(`metadata.namespace is ${ns ?? "unset"}; use a dedicated namespace.`);
    },
);

export const k8sWorkloadPolicies: ResourceValidationPolicy[] = [
    k8sNoPrivileged,
    k8sNoHostNamespaces,
    k8sNoHostPath,
    k8sRunAsNonRoot,
    k8sReadOnlyRootFs,
    k8sNoPrivilegeEscalation,
    k8sDropAllCapabilities,
    k8sSeccomp,
    k8sResources,
    k8sImagePinned,
    k8sProbes,
    k8sNoDefaultNamespace,
];
