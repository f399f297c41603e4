// Pulumi mocks that record every registered resource, so tests (and notebook 07) can inspect the exact inputs of a stack.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export interface Registered { type: string; name: string; inputs: Record<string, any>; custom: boolean }

/** Plausible provider state for the types our program reads outputs from. */
function stateFor(type: string, name: string, inputs: any): Record<string, any> {
    const arn = `arn:aws:${type.split(":")[1].split("/")[0]}:eu-west-1:111122223333:${name}`;
    const base = { ...inputs, arn, name: inputs.name ?? name };
    switch (type) {
        case "aws:eks/cluster:Cluster":
            return { ...base, endpoint: `https://${name}.gr7.eu-west-1.eks.amazonaws.com`,
                identities: [{ oidcs: [{ issuer: `https://oidc.eks.eu-west-1.amazonaws.com/id/${name.toUpperCase()}` }] }] };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { ...base, arn: `arn:aws:iam::111122223333:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { ...base, latestVersion: 1 };
        default:
            return base;
    }
}

/** AWS-shaped ids where schemas check them (EC2NodeClass subnet ids must look like subnet-0a1b...). */
export function mockId(type: string, name: string): string {
    const prefix = { "aws:ec2/subnet:Subnet": "subnet", "aws:ec2/vpc:Vpc": "vpc", "aws:ec2/securityGroup:SecurityGroup": "sg" }[type];
    return prefix ? `${prefix}-${createHash("sha256").update(name).digest("hex").slice(0, 17)}` : `${name}-id`;
}

/** Installs fresh mocks for one stack and returns the list that fills up as resources register. */
export async function recordStack(stack: string): Promise<Registered[]> {
    const seen: Registered[] = [];
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            seen.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom !== false });
            return { id: mockId(args.type, args.name), state: stateFor(args.type, args.name, args.inputs) };
        },
        call: (args) => {
            if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") {
                return { names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"], state: "available" };
            }
            if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: "111122223333" };
            return args.inputs;
        },
    }, "k8s-stack", stack, false);
    return seen;
}

/** Waits until no new resource registers for a few event-loop turns (outputs resolve asynchronously). */
export async function settle(seen: Registered[]): Promise<void> {
    let stable = 0;
    let last = -1;
    while (stable < 5) {
        await new Promise((r) => setTimeout(r, 5));
        stable = seen.length === last ? stable + 1 : 0;
        last = seen.length;
    }
}
