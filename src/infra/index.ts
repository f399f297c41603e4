// [07] glue for notebook 07: the stacks' inventory under mocks, the offline test report per checklist item, the
// policy pack and the cost model. The program itself lives in infra/pulumi.
export { recordEnvironment, inventoryRows, resourceGroup, EXAMPLE_ADMIN, type InventoryRow } from "./inventory";
export { runInfraTests, checklistRows, mockAssertions, isMockSuite, type InfraTestReport, type ChecklistRow } from "./test-report";
export { estimateMonthlyCost, costRows, DEFAULT_ASSUMPTIONS, PRICES, PRICES_AS_OF } from "./cost";
export { CHECKLIST } from "../../infra/pulumi/checklist";
export { policies } from "../../infra/pulumi/policy/index";
export { DEFAULTS, resolveConfig } from "../../infra/pulumi/src/config";
