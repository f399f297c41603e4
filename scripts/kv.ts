/** Entry point of the `kv` command line (npm run kv -- <command>); see src/kv/cli/main.ts. */
import { runMain } from "../src/errors";
import { main } from "../src/kv/cli/main";

runMain(() => main(process.argv.slice(2), __filename));
