import type { ReportViolation } from "@pulumi/policy";
import { asArray, resourcePolicy, type Props } from "./util";

/** Every kind that carries a pod template, and where its pod spec lives. */
const POD_SPEC_PATHS: Record<string, string[]> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};
export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);
/** Run-to-completion kinds: no probes expected. */
export const LONG_RUNNING_TYPES = WORKLOAD_TYPES.filter((t) => !t.startsWith("kubernetes:batch/"));

export function podSpecOf(type: string, props: Props): Props | undefined {
    const path = POD_SPEC_PATHS[type];
    if (!path) return undefined;
    let cur: any = props;
    for (const key of path) cur = cur?.[key];
    return cur ?? undefined;
}

export interface ContainerRef { c: Props; kind: "container" | "initContainer" | "ephemeralContainer" }

export function containersOf(spec: Props, includeInit = true): ContainerRef[] {
    const out: ContainerRef[] = asArray<Props>(spec.containers).map((c) => ({ c, kind: "container" as const }));
    if (includeInit) {
        out.push(...asArray<Props>(spec.initContainers).map((c) => ({ c, kind: "initContainer" as const })));
        out.push(...asArray<Props>(spec.ephemeralContainers).map((c) => ({ c, kind: "ephemeralContainer" as const })));
    }
    return out;
}

export const label = (r: ContainerRef) => `${r.kind} "${r.c.name ?? "?"}"`;

/** A policy over the pod spec of any workload kind (see POD_SPEC_PATHS). */
export function podPolicy(
    name: string,
    description: string,
    enforcementLevel: "mandatory" | "advisory",
    check: (spec: Props, report: ReportViolation) => void,
    types: readonly string[] = WORKLOAD_TYPES,
) {
    return resourcePolicy(name, description, enforcementLevel, types, (props, report, args) => {
        const spec = podSpecOf(args.type, props);
        if (spec) check(spec, report);
    });
}
