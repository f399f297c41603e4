import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, resourcePolicy } from "./util";

export const PSA_ENFORCE = "pod-security.kubernetes.io/enforce";
export const k8sNamespacePsaRestricted = resourcePolicy(
    "k8s-namespace-psa-restricted",
    "Namespaces enforce the Pod Security Admission restricted level.",
    "mandatory",
    ["kubernetes:core/v1:Namespace"],
    (props, report) => {
        const level = props.metadata?.labels?.[PSA_ENFORCE];
        if (level !== "restricted") report(`label ${PSA_ENFORCE} is ${level ?? "unset"}; must be restricted.`);
    },
);

export const DEFAULT_INGRESS_NAMESPACES = ["ingress-nginx"];
export const k8sNoLoadBalancerOutsideIngress = resourcePolicy(
    "k8s-loadbalancer-only-in-ingress",
    "Services of type LoadBalancer exist only in the ingress controller's namespace; apps are reached through Ingress.",
    "mandatory",
    ["kubernetes:core/v1:Service"],
    (props, report, args) => {
        const allowed = args.getConfig<{ ingressNamespaces?: string[] }>()?.ingressNamespaces ?? DEFAULT_INGRESS_NAMESPACES;
        const ns = props.metadata?.namespace ?? "default";
        if (props.spec?.type === "LoadBalancer" && !allowed.includes(ns)) {
            report(`LoadBalancer Service in namespace "${ns}"; only ${allowed.join(", ")} may expose one.`);
        }
    },
    {
        properties: {
            ingressNamespaces: { type: "array", items: { type: "string" }, default: DEFAULT_INGRESS_NAMESPACES },
        },
    },
);

export const k8sIngressTls = resourcePolicy(
    "k8s-ingress-tls",
    "Ingresses terminate TLS for every host they route.",
    "mandatory",
    ["kubernetes:networking.k8s.io/v1:Ingress"],
    (props, report) => {
        const tls = asArray<any>(props.spec?.tls);
        if (tls.length === 0) {
            report("spec.tls is empty.");
            return;
        }
        const covered = new Set(tls.flatMap((t) => asArray<string>(t?.hosts)));
        for (const rule of asArray<any>(props.spec?.rules)) {
            if (rule?.host && !covered.has(rule.host)) report(`host "${rule.host}" has no TLS entry.`);
        }
    },
);

export const k8sNoClusterAdminBinding = resourcePolicy(
    "k8s-no-cluster-admin-binding",
    "No ClusterRoleBinding or RoleBinding grants the cluster-admin ClusterRole.",
    "mandatory",
    ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"],
    (props, report) => {
        if (props.roleRef?.kind === "ClusterRole" && props.roleRef?.name === "cluster-admin") {
            report("Binding grants cluster-admin; use an EKS access entry or a narrower role.");
        }
    },
);

export const k8sPlatformPolicies: ResourceValidationPolicy[] = [
    k8sNamespacePsaRestricted,
    k8sNoLoadBalancerOutsideIngress,
    k8sIngressTls,
    k8sNoClusterAdminBinding,
];
