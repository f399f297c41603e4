/**
 * Pending ReadIndex requests on a leader (Raft dissertation §6.4). Each records the commit index when it
 * arrived; it is answered once a quorum has acknowledged a heartbeat carrying its ctx, which proves the
 * leader was still leader after the request arrived. Requests are answered in arrival order: a quorum
 * acknowledging a later request also confirms every earlier one.
 */

export interface ReadRequest {
  ctx: string;
  index: number;
  /** Node that asked: the leader itself or a follower that forwarded it. */
  from: number;
  acks: Set<number>;
}

export class ReadOnlyQueue {
  private byCtx = new Map<string, ReadRequest>();
  private queue: ReadRequest[] = [];

  /** Queues a request; false if a request with this ctx is already pending (ctx must be unique). */
  add(index: number, ctx: string, from: number, self: number): boolean {
    if (this.byCtx.has(ctx)) return false;
    const req: ReadRequest = { ctx, index, from, acks: new Set([self]) };
    this.byCtx.set(ctx, req);
    this.queue.push(req);
    return true;
  }

  /** Records a heartbeat acknowledgement; returns the request's acks, or undefined if it is not pending. */
  ack(from: number, ctx: string): ReadonlySet<number> | undefined {
    const req = this.byCtx.get(ctx);
    if (!req) return undefined;
    req.acks.add(from);
    return req.acks;
  }

  /** Removes and returns the requests up to and including `ctx`, oldest first. */
  releaseThrough(ctx: string): ReadRequest[] {
    const k = this.queue.findIndex((r) => r.ctx === ctx);
    if (k < 0) return [];
    const done = this.queue.slice(0, k + 1);
    this.queue = this.queue.slice(k + 1);
    for (const r of done) this.byCtx.delete(r.ctx);
    return done;
  }

  /** The newest pending ctx, piggybacked on regular heartbeats ("" if none). */
  lastCtx(): string {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1].ctx : "";
  }

  get size(): number {
    return this.queue.length;
  }

  reset(): void {
    this.byCtx.clear();
    this.queue = [];
  }
}
