// Shared by the infra suites: building a stack under mocks, picking resources, sweeping them through the pack.
import { strict as assert } from "node:assert";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
// index.ts by explicit path: the folder's package.json "main" is pack.ts, which starts the analyzer's gRPC server.
import { policies } from "../../infra/pulumi/policy/index";
import type { Registered } from "../../src/infra/pulumi-mocks";

export const ADMIN = "arn:aws:iam::111122223333:role/platform-admin";

export const ofType = (res: Registered[], type: string) => res.filter((r) => r.type === type);
export const one = (res: Registered[], type: string) => {
    const all = ofType(res, type);
    assert.equal(all.length, 1, `exactly one ${type}`);
    return all[0].inputs;
};

/** Mandatory violations of every policy for one resource, as the analyzer would report them. */
export function mandatoryViolations(r: Registered): string[] {
    const out: string[] = [];
    const args = { type: r.type, props: r.inputs, urn: `urn:pulumi:test::k8s-stack::${r.type}::${r.name}`, name: r.name,
        stackTags: new Map(), getConfig: () => ({}), isType: () => false, asType: () => undefined,
        notApplicable: (reason?: string): never => { throw new Error(`notApplicable: ${reason}`); } } as unknown as ResourceValidationArgs;
    for (const p of policies.filter((p: ResourceValidationPolicy) => p.enforcementLevel === "mandatory")) {
        const fns = p.validateResource === undefined ? [] : Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
        for (const fn of fns) fn(args, (m: string) => { out.push(`${p.name} on ${r.type} ${r.name}: ${m}`); });
    }
    return out;
}
