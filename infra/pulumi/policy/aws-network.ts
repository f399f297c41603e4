import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asArray, isTrue, resourcePolicy, WORLD_CIDRS, type Props } from "./util";

/** Security groups tagged with this may take 80/443 from the internet (public load balancers only). */
export const PUBLIC_LB_TAG = { key: "network-tier", value: "public-lb" };
const WEB_PORTS = [80, 443];

interface Ingress { from: number; to: number; protocol: string; cidrs: string[] }

function describe(r: Ingress): string {
    return r.protocol === "-1" ? "all traffic" : `${r.protocol} ${r.from}-${r.to}`;
}

function checkIngress(rules: Ingress[], publicLb: boolean, report: (m: string) => void): void {
    for (const r of rules) {
        if (!r.cidrs.some((c) => WORLD_CIDRS.includes(c))) continue;
        const webPort = r.protocol !== "-1" && r.from === r.to && WEB_PORTS.includes(r.from);
        if (webPort && publicLb) continue;
        report(webPort
            ? `Ingress from the internet on ${describe(r)} is only allowed on security groups tagged ${PUBLIC_LB_TAG.key}=${PUBLIC_LB_TAG.value}.`
            : `Ingress from the internet on ${describe(r)} is not allowed.`);
    }
}

const isPublicLb = (props: Props) => props.tags?.[PUBLIC_LB_TAG.key] === PUBLIC_LB_TAG.value;

export const sgNoWorldIngress = resourcePolicy(
    "ec2-sg-no-world-ingress",
    "Security groups allow 0.0.0.0/0 or ::/0 ingress only on 80/443, and only on public load-balancer groups.",
    "mandatory",
    ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
    (props, report, args) => {
        const rules: Ingress[] = [];
        if (args.type === "aws:ec2/securityGroup:SecurityGroup") {
            for (const i of asArray<any>(props.ingress)) {
                rules.push({ from: i.fromPort, to: i.toPort, protocol: String(i.protocol), cidrs: [...asArray<string>(i.cidrBlocks), ...asArray<string>(i.ipv6CidrBlocks)] });
            }
            checkIngress(rules, isPublicLb(props), report);
        } else if (args.type === "aws:ec2/securityGroupRule:SecurityGroupRule") {
            if (props.type !== "ingress") return;
            rules.push({ from: props.fromPort, to: props.toPort, protocol: String(props.protocol), cidrs: [...asArray<string>(props.cidrBlocks), ...asArray<string>(props.ipv6CidrBlocks)] });
            // Standalone rules carry no tags: 80/443 is accepted here; the SG itself is checked above.
            checkIngress(rules, true, report);
        } else {
            rules.push({ from: props.fromPort, to: props.toPort, protocol: String(props.ipProtocol), cidrs: [props.cidrIpv4, props.cidrIpv6].filter(Boolean) });
            checkIngress(rules, isPublicLb(props), report);
        }
    },
);

export const subnetNoAutoPublicIp = resourcePolicy(
    "ec2-subnet-no-auto-public-ip",
    "Only public load-balancer subnets (tag kubernetes.io/role/elb=1) map public IPs on launch; node subnets stay private.",
    "mandatory",
    ["aws:ec2/subnet:Subnet"],
    (props, report) => {
        if (isTrue(props.mapPublicIpOnLaunch) && props.tags?.["kubernetes.io/role/elb"] !== "1") {
            report("mapPublicIpOnLaunch is only allowed on subnets tagged kubernetes.io/role/elb=1.");
        }
    },
);

export const launchTemplateNoPublicIp = resourcePolicy(
    "ec2-launch-template-no-public-ip",
    "Node launch templates never attach public IP addresses.",
    "mandatory",
    ["aws:ec2/launchTemplate:LaunchTemplate"],
    (props, report) => {
        if (asArray<any>(props.networkInterfaces).some((n) => isTrue(n?.associatePublicIpAddress))) {
            report("networkInterfaces must not set associatePublicIpAddress.");
        }
    },
);

export const launchTemplateImdsV2 = resourcePolicy(
    "ec2-launch-template-imdsv2",
    "Launch templates require IMDSv2 with a hop limit of at most 2, so pods cannot steal node credentials via IMDSv1.",
    "mandatory",
    ["aws:ec2/launchTemplate:LaunchTemplate"],
    (props, report) => {
        const m = props.metadataOptions ?? {};
        if (m.httpTokens !== "required") report("metadataOptions.httpTokens must be \"required\" (IMDSv2).");
        const hops = m.httpPutResponseHopLimit;
        if (hops !== undefined && hops > 2) report(`metadataOptions.httpPutResponseHopLimit is ${hops}; use at most 2.`);
    },
);

export const awsNetworkPolicies: ResourceValidationPolicy[] = [
    sgNoWorldIngress,
    subnetNoAutoPublicIp,
    launchTemplateNoPublicIp,
    launchTemplateImdsV2,
];
