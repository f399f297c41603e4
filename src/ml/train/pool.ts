import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { Reply, Request, WorkerInit } from "./protocol";

type ReplyOf<C extends Reply["cmd"]> = Extract<Reply, { cmd: C }>;

/** Worker threads answering one request at a time each, in order; a worker error rejects its request. */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending: ((r: Reply) => void)[][];
  private failed: Error | null = null;

  constructor(inits: WorkerInit[]) {
    this.pending = inits.map(() => []);
    this.workers = inits.map((workerData, i) => {
      const w = new Worker(path.join(__dirname, "worker-boot.cjs"), { workerData });
      w.on("message", (r: Reply) => this.pending[i].shift()?.(r));
      w.on("error", (e) => this.fail(new Error(`training worker ${i} crashed: ${e.message}`)));
      w.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`training worker ${i} exited with code ${code}`));
      });
      return w;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const queue of this.pending) for (const resolve of queue.splice(0)) resolve({ cmd: "error", message: e.message });
  }

  /** The next reply of worker i (the first one is "ready"), checked to be of the expected kind. */
  next<C extends Reply["cmd"]>(i: number, cmd: C): Promise<ReplyOf<C>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.pending[i].push((r) => {
        if (r.cmd === "error") reject(new Error(`training worker ${i}: ${r.message}`));
        else if (r.cmd !== cmd) reject(new Error(`training worker ${i}: expected ${cmd}, got ${r.cmd}`));
        else resolve(r as ReplyOf<C>);
      });
    });
  }

  request<C extends Request["cmd"]>(i: number, req: Extract<Request, { cmd: C }>): Promise<ReplyOf<C & Reply["cmd"]>> {
    const reply = this.next(i, req.cmd as C & Reply["cmd"]);
    this.workers[i].postMessage(req);
    return reply;
  }

  all<C extends Request["cmd"]>(make: (i: number) => Extract<Request, { cmd: C }>): Promise<ReplyOf<C & Reply["cmd"]>[]> {
    return Promise.all(this.workers.map((_, i) => this.request(i, make(i))));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
