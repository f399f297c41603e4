export { labelCounts, meanDigitRows, meanDigitSpec } from "./summary";
export { trainSoftmax, type SoftmaxResult } from "./softmax";
