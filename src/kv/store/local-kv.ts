/**
 * An embedded, non-replicated KvApi: a KvStateMachine fed by a private, increasing log index (term 1).
 * Handy for tests and for running the abstract-level adapter without a cluster.
 */
import type { ReadOptions, KvApi } from "../client/kv-api";
import type { Command, RangeQuery, RangeResult, WriteResult } from "../commands";
import { validateCommand, validateRangeQuery } from "../validate";
import { KvStateMachine, type KvStateMachineOptions } from "./state-machine";

export class LocalKv implements KvApi {
  private index: number;

  constructor(readonly stateMachine: KvStateMachine) {
    this.index = stateMachine.appliedIndex;
  }

  static async open(dir: string, opts?: KvStateMachineOptions): Promise<LocalKv> {
    return new LocalKv(await KvStateMachine.open(dir, opts));
  }

  /** The index is taken synchronously, so concurrent writes apply in call order. */
  async write(cmd: Command): Promise<WriteResult> {
    const valid = validateCommand(cmd);
    const result = await this.stateMachine.apply(++this.index, 1, valid);
    return result as WriteResult; // a non-null command always has a result
  }

  async range(query: RangeQuery, _opts?: ReadOptions): Promise<RangeResult> {
    return this.stateMachine.range(validateRangeQuery(query));
  }

  close(): Promise<void> {
    return this.stateMachine.close();
  }
}
