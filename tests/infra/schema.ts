// Offline schema checks of everything the program hands to Kubernetes: objects against kubernetes-models (core API
// and the CRD model packages), Helm values against infra/pulumi/schemas/<chart>.values.schema.json, whose custom
// "k8s" keyword names a Kubernetes definition the value must satisfy (resources, securityContext, affinity...).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import type { Registered } from "../../src/infra/pulumi-mocks";

export const SCHEMA_DIR = join(__dirname, "../../infra/pulumi/schemas");
const CRD_PACKAGES: Record<string, string> = {
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "cert-manager.io": "@kubernetes-models/cert-manager",
    "external-secrets.io": "@kubernetes-models/external-secrets",
    "karpenter.sh": "@kubernetes-models/karpenter",
    "karpenter.k8s.aws": "@kubernetes-models/karpenter",
};

type Model = new (data: unknown) => { validate(): void };

/** The kubernetes-models class for apiVersion/kind, or an error naming what is missing. */
export async function modelFor(apiVersion: string, kind: string): Promise<Model> {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const pkg = group ? CRD_PACKAGES[group] ?? "kubernetes-models" : "kubernetes-models";
    const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
    const mod = await import(path).catch(() => { throw new Error(`no schema model for ${apiVersion} ${kind} (looked for ${path})`); });
    return mod[kind] as Model;
}

/** Validation errors of one recorded Kubernetes object (empty when valid). */
export async function k8sObjectErrors(r: Registered): Promise<string[]> {
    const { apiVersion, kind } = r.inputs;
    if (!apiVersion || !kind) return [`${r.type} ${r.name}: no apiVersion/kind in inputs`];
    const Model = await modelFor(apiVersion, kind);
    try {
        new Model(r.inputs).validate();
        return [];
    } catch (e) {
        return [`${kind} ${r.name}: ${(e as Error).message}`];
    }
}

/** Chart name of a release: the last path segment of an oci:// reference, else the chart name itself. */
export const chartName = (chart: string) => chart.split("/").pop()!;

function k8sNames(schema: unknown, out = new Set<string>()): Set<string> {
    if (schema && typeof schema === "object") {
        for (const [k, v] of Object.entries(schema)) {
            if (k === "k8s" && typeof v === "string") out.add(v);
            else k8sNames(v, out);
        }
    }
    return out;
}

export interface ValuesValidator {
    charts: string[];
    /** Errors of one chart's values; throws if the chart has no schema file. */
    errors(chart: string, values: unknown): string[];
}

/** Compiles every values schema, resolving the "k8s" keyword against kubernetes-models' precompiled validators. */
export async function loadValuesValidator(dir = SCHEMA_DIR): Promise<ValuesValidator> {
    const files = readdirSync(dir).filter((f) => f.endsWith(".values.schema.json"));
    const schemas = Object.fromEntries(files.map((f) => [f.replace(".values.schema.json", ""), JSON.parse(readFileSync(join(dir, f), "utf8"))]));
    const k8s: Record<string, ValidateFunction> = {};
    for (const name of new Set(Object.values(schemas).flatMap((s) => [...k8sNames(s)]))) {
        const mod = await import(`kubernetes-models/_schemas/${name}`).catch(() => { throw new Error(`unknown Kubernetes definition "${name}" in a values schema`); });
        k8s[name] = mod.validate;
    }
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({
        keyword: "k8s",
        schemaType: "string",
        errors: true,
        validate: function check(name: string, data: unknown) {
            const fn = k8s[name];
            const ok = fn(data);
            (check as any).errors = ok ? null : (fn.errors ?? []).map((e) => ({ keyword: "k8s", message: `${name}${e.instancePath}: ${e.message}`, params: {} }));
            return ok;
        },
    });
    const compiled = Object.fromEntries(Object.entries(schemas).map(([chart, s]) => [chart, ajv.compile(s)]));
    return {
        charts: Object.keys(compiled),
        errors(chart, values) {
            const v = compiled[chart];
            if (!v) throw new Error(`no values schema for chart ${chart} in ${dir}`);
            return v(values) ? [] : (v.errors ?? []).map((e) => `${chart} values${e.instancePath}: ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
        },
    };
}
