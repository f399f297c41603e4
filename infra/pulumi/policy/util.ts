import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";

/** Resource props as the engine passes them: plain JSON, Pulumi (camelCase) property names. */
export type Props = Record<string, any>;
export type Check = (props: Props, report: ReportViolation, args: ResourceValidationArgs) => void;

/**
 * Builds a policy that only looks at the given type tokens. Other types return silently instead of
 * calling notApplicable(), so tests can call validateResource with a minimal args object.
 */
export function resourcePolicy(
    name: string,
    description: string,
    enforcementLevel: EnforcementLevel,
    types: readonly string[],
    check: Check,
    configSchema?: PolicyConfigSchema,
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel,
        ...(configSchema ? { configSchema } : {}),
        validateResource: (args, report) => {
            if (!types.includes(args.type)) return;
            if (isExempt(args.props, name)) return;
            check(args.props, report, args);
        },
    };
}

/**
 * Kubernetes objects may opt out of named policies with an annotation, e.g.
 * `policy.infra/exempt: "k8s-no-host-namespaces,k8s-no-hostpath-volumes"` (node-exporter needs them);
 * an explicit, reviewable list instead of a blanket namespace exemption.
 */
export const EXEMPT_ANNOTATION = "policy.infra/exempt";

export function isExempt(props: Props, policyName: string): boolean {
    const raw = props?.metadata?.annotations?.[EXEMPT_ANNOTATION];
    if (typeof raw !== "string") return false;
    return raw.split(",").map((s) => s.trim()).includes(policyName);
}

/**
 * Environment of an AWS resource, from its `environment` tag. A missing tag counts as "prod", so a
 * forgotten tag makes the checks stricter, never looser.
 */
export function environmentOf(props: Props): string {
    const env = props?.tags?.environment;
    return typeof env === "string" && env !== "" ? env : "prod";
}

export function asArray<T>(v: T | T[] | undefined | null): T[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

/** Pulumi AWS models some booleans as strings (e.g. launch template "true"). */
export function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

export const WORLD_CIDRS = ["0.0.0.0/0", "::/0"];
