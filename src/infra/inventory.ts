// What a stack would create: builds it under Pulumi mocks (offline) and groups the recorded resources for display.
import { resolveConfig, type Env } from "../../infra/pulumi/src/config";
import { buildStack } from "../../infra/pulumi/src/stack";
import { recordStack, settle, type Registered } from "./pulumi-mocks";

/** A placeholder admin role (account 111122223333 is the documentation account the mocks answer with). */
export const EXAMPLE_ADMIN = "arn:aws:iam::111122223333:role/platform-admin";

export async function recordEnvironment(env: Env): Promise<Registered[]> {
    const res = await recordStack(env);
    buildStack(resolveConfig(env, { adminPrincipalArn: EXAMPLE_ADMIN }));
    await settle(res);
    return res.filter((r) => r.custom);
}

/** "aws:ec2/subnet:Subnet" -> "aws ec2"; "kubernetes:networking.k8s.io/v1:NetworkPolicy" -> "k8s NetworkPolicy". */
export function resourceGroup(type: string): string {
    const [provider, module, kind] = type.split(":");
    if (provider === "kubernetes") return module === "helm.sh/v3" ? "helm release" : `k8s ${kind}`;
    return `${provider} ${module.split("/")[0]}`;
}

export interface InventoryRow { env: string; group: string; count: number }

export function inventoryRows(env: string, res: Registered[]): InventoryRow[] {
    const counts = new Map<string, number>();
    for (const r of res) counts.set(resourceGroup(r.type), (counts.get(resourceGroup(r.type)) ?? 0) + 1);
    return [...counts].map(([group, count]) => ({ env, group, count })).sort((a, b) => b.count - a.count || a.group.localeCompare(b.group));
}
