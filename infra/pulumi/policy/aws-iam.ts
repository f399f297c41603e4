import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, resourcePolicy } from "./util";

/** Policy documents arrive as a JSON string or, when built from an object input, as an object. */
export function statementsOf(doc: unknown): any[] {
    let parsed: any = doc;
    if (typeof doc === "string") {
        try { parsed = JSON.parse(doc); } catch { return []; }
    }
    return asArray<any>(parsed?.Statement);
}

const isAdminStatement = (s: any) =>
    s?.Effect === "Allow" &&
    asArray<string>(s.Action).some((a) => a === "*" || a === "*:*") &&
    asArray<string>(s.Resource).includes("*");

export const iamNoWildcardAdmin = resourcePolicy(
    "iam-no-wildcard-admin",
    "IAM policy documents never Allow action \"*\" on resource \"*\".",
    "mandatory",
    ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy", "aws:iam/role:Role"],
    (props, report, args) => {
        const docs = args.type === "aws:iam/role:Role"
            ? asArray<any>(props.inlinePolicies).map((p) => p?.policy)
            : [props.policy];
        if (docs.some((d) => statementsOf(d).some(isAdminStatement))) {
            report("Policy allows \"*\" actions on \"*\" resources; grant least privilege.");
        }
    },
);

const ADMIN_ARNS = ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"];
export const iamNoAdminAttachment = resourcePolicy(
    "iam-no-admin-managed-policy",
    "Roles, users and groups never get the AdministratorAccess or IAMFullAccess managed policies.",
    "mandatory",
    ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment"],
    (props, report) => {
        if (ADMIN_ARNS.includes(props.policyArn)) report(`${props.policyArn} must not be attached; grant least privilege.`);
    },
);

/** A condition key like "oidc.eks.<region>.amazonaws.com/id/<id>:sub". */
const subKeyPinned = (cond: any): boolean => {
    for (const op of ["StringEquals", "StringLike"]) {
        for (const [k, v] of Object.entries(cond?.[op] ?? {})) {
            if (!k.endsWith(":sub")) continue;
            const vals = asArray<string>(v as any);
            // A wildcard service account name would let any pod in the namespace (or cluster) assume the role.
            if (vals.length && vals.every((s) => /^system:serviceaccount:[^:*]+:[^:*]+$/.test(s))) return true;
        }
    }
    return false;
};

export const iamIrsaSubjectCondition = resourcePolicy(
    "iam-irsa-subject-condition",
    "IRSA roles (AssumeRoleWithWebIdentity) pin the exact service account via a :sub condition.",
    "mandatory",
    ["aws:iam/role:Role"],
    (props, report) => {
        for (const s of statementsOf(props.assumeRolePolicy)) {
            if (s?.Effect !== "Allow" || !asArray<string>(s.Action).includes("sts:AssumeRoleWithWebIdentity")) continue;
            if (!subKeyPinned(s.Condition)) {
                report("AssumeRoleWithWebIdentity needs a StringEquals condition on <oidc>:sub = system:serviceaccount:<ns>:<name>.");
            }
        }
    },
);

export const awsIamPolicies: ResourceValidationPolicy[] = [iamNoWildcardAdmin, iamNoAdminAttachment, iamIrsaSubjectCondition];
