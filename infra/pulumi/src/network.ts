// VPC over N AZs: public subnets for load balancers, private subnets for nodes, NAT per AZ (prod) or one (dev).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { NatMode } from "./config";

export interface NetworkArgs {
    env: string;
    vpcCidr: string;
    azCount: number;
    natGateways: NatMode;
    /** Cluster name, for the kubernetes.io/cluster/<name> subnet tag used by the load balancer controller. */
    clusterName: string;
}

/** The `index`-th subnet of `newBits` extra prefix bits inside `cidr` (like Terraform's cidrsubnet). */
export function cidrSubnet(cidr: string, newBits: number, index: number): string {
    const [ip, prefix] = cidr.split("/");
    const base = ip.split(".").reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
    const len = Number(prefix) + newBits;
    const addr = (base + index * 2 ** (32 - len)) >>> 0;
    return `${[24, 16, 8, 0].map((s) => (addr >>> s) & 255).join(".")}/${len}`;
}

export class Network extends pulumi.ComponentResource {
    readonly vpc: aws.ec2.Vpc;
    readonly publicSubnets: aws.ec2.Subnet[] = [];
    readonly privateSubnets: aws.ec2.Subnet[] = [];
    readonly natGateways: aws.ec2.NatGateway[] = [];
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string>[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("infra:network:Network", name, {}, opts);
        const p = { parent: this };
        const tags = (extra: Record<string, string> = {}) => ({ environment: args.env, Name: name, ...extra });
        const azs = aws.getAvailabilityZonesOutput({ state: "available" }, p);

        this.vpc = new aws.ec2.Vpc(name, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags() }, p);
        const igw = new aws.ec2.InternetGateway(name, { vpcId: this.vpc.id, tags: tags() }, p);

        const publicRt = new aws.ec2.RouteTable(`${name}-public`, {
            vpcId: this.vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
            tags: tags({ tier: "public" }),
        }, p);

        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
        const natCount = args.natGateways === "perAz" ? args.azCount : 1;
        for (let i = 0; i < args.azCount; i++) {
            const az = azs.names[i];
            // /20s out of a /16: private nodes get 0..n-1 (room for many pod IPs with the VPC CNI), public 8..8+n-1.
            const pub = new aws.ec2.Subnet(`${name}-public-${i}`, {
                vpcId: this.vpc.id, availabilityZone: az, cidrBlock: cidrSubnet(args.vpcCidr, 4, 8 + i),
                mapPublicIpOnLaunch: true, // only public LB subnets; nodes never get public IPs
                tags: tags({ tier: "public", "kubernetes.io/role/elb": "1", ...clusterTag }),
            }, p);
            new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRt.id }, p);
            this.publicSubnets.push(pub);

            if (i < natCount) {
                const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: tags() }, { ...p, dependsOn: [igw] });
                this.natGateways.push(new aws.ec2.NatGateway(`${name}-nat-${i}`, { allocationId: eip.id, subnetId: pub.id, tags: tags() }, p));
            }
        }
        for (let i = 0; i < args.azCount; i++) {
            const priv = new aws.ec2.Subnet(`${name}-private-${i}`, {
                vpcId: this.vpc.id, availabilityZone: azs.names[i], cidrBlock: cidrSubnet(args.vpcCidr, 4, i),
                mapPublicIpOnLaunch: false,
                tags: tags({ tier: "private", "kubernetes.io/role/internal-elb": "1", ...clusterTag }),
            }, p);
            // Each private subnet egresses through its own AZ's NAT (prod) or the single NAT (dev).
            const nat = this.natGateways[Math.min(i, this.natGateways.length - 1)];
            const rt = new aws.ec2.RouteTable(`${name}-private-${i}`, {
                vpcId: this.vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
                tags: tags({ tier: "private" }),
            }, p);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: priv.id, routeTableId: rt.id }, p);
            this.privateSubnets.push(priv);
        }

        this.vpcId = this.vpc.id;
        this.privateSubnetIds = this.privateSubnets.map((s) => s.id);
        this.registerOutputs({ vpcId: this.vpcId });
    }
}
