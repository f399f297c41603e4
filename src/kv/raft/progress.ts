/**
 * The leader's view of one follower's log. States:
 *  - probe: position unknown; one append at a time, the next only after a reply or a heartbeat reply;
 *  - replicate: position known; appends are pipelined optimistically, bounded by the in-flight window;
 *  - snapshot: a snapshot is on its way; appends wait until it lands, is reported, or times out.
 */

export type ProgressState = "probe" | "replicate" | "snapshot";

/** The last index of each append in flight, oldest first, bounded by `capacity`. */
export class Inflights {
  private lastIndexes: number[] = [];

  constructor(readonly capacity: number) {}

  add(lastIndex: number): void {
    if (this.full()) throw new Error("raft: inflight window overflow");
    this.lastIndexes.push(lastIndex);
  }

  /** Acknowledgement up to `index` frees every append ending at or below it. */
  freeTo(index: number): void {
    let k = 0;
    while (k < this.lastIndexes.length && this.lastIndexes[k] <= index) k++;
    if (k > 0) this.lastIndexes = this.lastIndexes.slice(k);
  }

  /** Frees the oldest slot: a heartbeat reply shows the peer is alive though some append was lost. */
  freeFirst(): void {
    this.lastIndexes.shift();
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }

  get count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes = [];
  }
}

export class Progress {
  /** Highest index known to match the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = "probe";
  /** Probe state: an append is outstanding; wait for a reply or heartbeat reply. */
  probeSent = false;
  /** Snapshot state: index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Leader ticks since the snapshot was sent; after an election timeout it is presumed lost. */
  snapshotElapsed = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // After a snapshot that may have landed, restart right after it; otherwise after the last match.
    this.next = this.state === "snapshot" ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.state = "probe";
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.next = this.match + 1;
    this.state = "replicate";
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeSnapshot(index: number): void {
    this.state = "snapshot";
    this.pendingSnapshot = index;
    this.snapshotElapsed = 0;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** A successful append reply up to n; returns whether match advanced. */
  maybeUpdate(n: number): boolean {
    const updated = n > this.match;
    if (updated) {
      this.match = n;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejection of the append whose previous index was `rejected`, with the leader's guess `hint` (the
   * last index that may still match). Returns false for stale rejections, which are ignored.
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === "replicate") {
      // Pipelined appends can be rejected out of order; anything at or below match is stale.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the reply to the latest probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
