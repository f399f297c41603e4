/** Process plumbing shared by the fault cluster and the benchmarks: killing children when the harness exits. */

export const HOST = "127.0.0.1";

interface Killable {
  killAllSync(): void;
}

/**
 * Clusters alive in this process. Their children are SIGKILLed when the process exits for any reason
 * (errors included) or gets SIGINT / SIGTERM, so an interrupted harness leaves no node running.
 */
export const killOnExit = {
  live: new Set<Killable>(),
  hooked: false,
  add(c: Killable): void {
    this.live.add(c);
    if (this.hooked) return;
    this.hooked = true;
    process.on("exit", () => this.killAll());
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      process.on(signal, () => {
        this.killAll();
        process.exit(code);
      });
    }
  },
  delete(c: Killable): void {
    this.live.delete(c);
  },
  killAll(): void {
    for (const c of this.live) c.killAllSync();
  },
};
