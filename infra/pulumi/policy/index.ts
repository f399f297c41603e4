// The policy list, importable by tests without starting the pack's gRPC server (see pack.ts).
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { awsEksPolicies } from "./aws-eks";
import { awsNetworkPolicies } from "./aws-network";
import { awsIamPolicies } from "./aws-iam";
import { awsStoragePolicies } from "./aws-storage";
import { k8sWorkloadPolicies } from "./k8s-workloads";
import { k8sPlatformPolicies } from "./k8s-platform";
import { platformPolicies } from "./platform";

export const policies: ResourceValidationPolicy[] = [
    ...awsEksPolicies,
    ...awsNetworkPolicies,
    ...awsIamPolicies,
    ...awsStoragePolicies,
    ...k8sWorkloadPolicies,
    ...k8sPlatformPolicies,
    ...platformPolicies,
];

export { EXEMPT_ANNOTATION, environmentOf } from "./util";
