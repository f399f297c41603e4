// Worker threads start without the parent's TypeScript loader: register tsx, then load the worker.
require("tsx/cjs");
require("./worker.ts");
