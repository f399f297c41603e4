// The recorder lives in src/infra (notebook 07 builds the stacks with it too).
export * from "../../src/infra/pulumi-mocks";
