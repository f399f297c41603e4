export * from "./types";
export { CATALOGUE } from "./catalogue";
export { dataset, locate, locateDataset, type LocateOptions } from "./locate";
export { cachedSha256, sha256File, verifySha256 } from "./checksum";
export { parseIdx, readIdx, encodeIdx } from "./idx";
export { loadMnist, sliceSplit, MNIST_SIDE, MNIST_PIXELS, type Mnist, type MnistSplit } from "./mnist";
export { readMnistCsv, writeMnistCsv, MNIST_CSV_HEADER } from "./mnist-csv";
export { readCsvFrame, readDecompressed } from "./tabular";
