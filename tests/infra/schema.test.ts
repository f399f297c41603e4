// Every Kubernetes object and every Helm values object the program produces, schema-validated offline.
import { strict as assert } from "node:assert";
import { resolveConfig } from "../../infra/pulumi/src/config";
import { buildStack } from "../../infra/pulumi/src/stack";
import { recordStack, settle, type Registered } from "../../src/infra/pulumi-mocks";
import { ADMIN, ofType } from "./helpers";
import { chartName, k8sObjectErrors, loadValuesValidator, type ValuesValidator } from "./schema";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const isK8sObject = (r: Registered) => r.type.startsWith("kubernetes:") && r.type !== RELEASE && !r.type.startsWith("pulumi:providers:");

describe("schema validation of Kubernetes objects and Helm values (Pulumi mocks)", function () {
    this.timeout(60000);
    let values: ValuesValidator;
    before(async () => { values = await loadValuesValidator(); });

    for (const env of ["dev", "prod"] as const) {
        describe(`${env} stack`, () => {
            let res: Registered[] = [];
            before(async () => {
                res = await recordStack(env);
                buildStack(resolveConfig(env, { adminPrincipalArn: ADMIN }));
                await settle(res);
            });

            it("every Kubernetes object (core API and CRDs) is valid against its schema", async () => {
                const objects = res.filter(isK8sObject);
                assert.ok(objects.length >= 60, `only ${objects.length} objects`);
                const errors = (await Promise.all(objects.map(k8sObjectErrors))).flat();
                assert.deepEqual(errors, []);
            });

            it("every Helm release's values are valid against its chart's values schema", () => {
                const releases = ofType(res, RELEASE);
                assert.ok(releases.length >= 8);
                const errors = releases.flatMap((r) => values.errors(chartName(r.inputs.chart), r.inputs.values));
                assert.deepEqual(errors, []);
            });
        });
    }

    // The checks above are only worth something if they reject bad input: one broken example of each kind.
    it("rejects a Deployment with a string containerPort and a CRD with an unknown field type", async () => {
        const bad = (inputs: object): Registered => ({ type: "kubernetes:x", name: "bad", custom: true, inputs });
        const deploy = await k8sObjectErrors(bad({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" },
            spec: { selector: {}, template: { spec: { containers: [{ name: "a", image: "b:1", ports: [{ containerPort: "80" }] }] } } } }));
        assert.match(deploy.join(), /containerPort must be integer/);
        const pool = await k8sObjectErrors(bad({ apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: "x" },
            spec: { template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "d" }, requirements: "amd64" } } } }));
        assert.ok(pool.length > 0, "NodePool with requirements as a string must fail");
    });

    it("rejects misspelt values keys and invalid embedded Kubernetes types", () => {
        assert.match(values.errors("external-dns", { provider: { name: "aws" }, domainFilters: ["a.b"], txtOwnerId: "c", domainFilter: ["x"] }).join(), /additional properties \(domainFilter\)/);
        assert.match(values.errors("metrics-server", { resources: { requests: { cpu: {} } } }).join(), /IoK8sApiCoreV1ResourceRequirements/);
        assert.throws(() => values.errors("no-such-chart", {}), /no values schema for chart no-such-chart/);
    });
});
