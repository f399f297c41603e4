// Entry point for the Pulumi CLI only. Constructing a PolicyPack reads ./package.json from the working
// directory and immediately starts the policy analyzer's gRPC server, so tests must never import this file.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./index";

new PolicyPack("k8s-stack-guardrails", {
    description: "Guardrails for the EKS production Kubernetes stack (challenge [07]).",
    enforcementLevel: "mandatory",
    policies,
});
