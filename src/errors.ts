/**
 * An error caused by the user's input or environment (missing data, bad file, bad flag), not by a bug.
 * Command-line entry points print its message alone, without a stack trace.
 */
export class UserError extends Error {
  override name = "UserError";
}

/** Runs a command-line main: a UserError prints its message and exits 1; anything else keeps its stack. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
    } else {
      console.error(err);
    }
    process.exit(1);
  });
}
