// Sizes fixed in code rather than in StackConfig, in one module without Pulumi imports so the cost model
// (src/infra/cost.ts) reads the same numbers the components deploy.
import type { Env } from "../config";

/** Root volume of every Karpenter node (EC2NodeClass). */
export const KARPENTER_ROOT_GIB = 100;
/** Container logs in CloudWatch (control-plane logs follow StackConfig.logRetentionDays). */
export const CONTAINER_LOG_RETENTION_DAYS: Record<Env, number> = { dev: 30, prod: 90 };
/** Prometheus and Alertmanager each run `replicas` pods, each with its own gp3 volume. */
export const MONITORING_VOLUMES: Record<Env, { replicas: number; prometheusGiB: number; alertmanagerGiB: number }> = {
    dev: { replicas: 1, prometheusGiB: 20, alertmanagerGiB: 2 },
    prod: { replicas: 2, prometheusGiB: 100, alertmanagerGiB: 2 },
};
