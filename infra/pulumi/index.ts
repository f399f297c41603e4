// Pulumi program entry: `pulumi up -s dev|prod` from infra/pulumi/.
import { loadConfig } from "./src/config";
import { buildStack } from "./src/stack";

const config = loadConfig();
const { network, cluster } = buildStack(config);

export const clusterName = cluster.name;
export const clusterEndpoint = cluster.endpoint;
export const vpcId = network.vpcId;
export const appUrl = `https://${config.appHost}/`;
