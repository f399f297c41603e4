// The workspace's tslab kernel (registered by scripts/setup.sh).
// Notebooks import the library as `@ws/src/...`: npm links node_modules/@ws/src to src/, so tslab's
// compiler resolves it as a package (outside its rootDir check) and type-checks it; at run time Node
// loads those .ts files through tsx's require hook, registered here before tslab starts.
require("tsx/cjs");
require("tslab/dist/main").startKernel({ configPath: process.argv[2], enableFindLocal: false });
