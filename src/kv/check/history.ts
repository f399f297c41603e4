/**
 * Histories of a single-register-per-key KV workload, as the linearizability checker reads them.
 *
 * Times are milliseconds from one monotonic clock (performance.now()) shared by every client of a test.
 * An operation whose outcome is unknown (timed out, client crashed) has `ret` and `output` undefined: it may
 * have taken effect at any time after `call`, or never.
 *
 * Checking is NP-complete in general; it stays fast when every put writes a value of its own (as etcd's
 * robustness tests do): a read then says which write it saw. Small value pools with many unknown outcomes
 * can make a violation slow to prove (use the checker's timeout).
 */
import { UserError } from "../../errors";

export type KvInput =
  | { op: "get"; key: string }
  | { op: "put"; key: string; value: string }
  | { op: "del"; key: string }
  /** If the current value equals `expected` (null = absent), set it to `value` (null = delete). */
  | { op: "cas"; key: string; expected: string | null; value: string | null };

/** get → { value }, put/del → {}, cas → { ok }. */
export type KvOutput = { value: string | null } | { ok: boolean } | Record<string, never>;

export interface Operation {
  id: number;
  client: number;
  call: number;
  /** undefined (with output undefined): unknown outcome. */
  ret: number | undefined;
  input: KvInput;
  output: KvOutput | undefined;
}

/**
 * Records a history while a test runs. `fail` is for definite failures (the store refused the request, so
 * it did not happen): the operation is dropped. `unknown`, or never completing, keeps it with unknown outcome.
 */
export class HistoryRecorder {
  private readonly ops = new Map<number, Operation>();
  private nextId = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  invoke(client: number, input: KvInput): number {
    const id = this.nextId++;
    this.ops.set(id, { id, client, call: this.now(), ret: undefined, input, output: undefined });
    return id;
  }

  complete(id: number, output: KvOutput): void {
    const op = this.pending(id);
    op.ret = this.now();
    op.output = output;
  }

  fail(id: number): void {
    this.pending(id);
    this.ops.delete(id);
  }

  unknown(id: number): void {
    this.pending(id);
  }

  /** The operations so far, by id (copies: recording may go on). */
  history(): Operation[] {
    return [...this.ops.values()].map((op) => ({ ...op }));
  }

  private pending(id: number): Operation {
    const op = this.ops.get(id);
    if (op === undefined) throw new Error(`HistoryRecorder: no operation ${id}`);
    if (op.ret !== undefined) throw new Error(`HistoryRecorder: operation ${id} already completed`);
    return op;
  }
}

const isValue = (v: unknown): v is string | null => v === null || typeof v === "string";

/** Throws a UserError naming the first malformed operation (a history may come from a file). */
export function validateHistory(history: readonly Operation[]): void {
  const ids = new Set<number>();
  for (const op of history) {
    const bad = (why: string): never => {
      throw new UserError(`history: operation ${JSON.stringify(op)?.slice(0, 200)}: ${why}`);
    };
    if (typeof op !== "object" || op === null) bad("not an object");
    if (!Number.isFinite(op.id)) bad("id must be a number");
    if (ids.has(op.id)) bad("duplicate id");
    ids.add(op.id);
    if (!Number.isFinite(op.call)) bad("call must be a finite time");
    if ((op.ret === undefined) !== (op.output === undefined)) bad("ret and output must both be set or both undefined");
    if (op.ret !== undefined && !(Number.isFinite(op.ret) && op.ret >= op.call)) bad("ret must be a finite time >= call");
    const input = op.input as Partial<Record<string, unknown>> | undefined;
    if (typeof input !== "object" || input === null || typeof input.key !== "string") bad("input.key must be a string");
    const out = op.output as Partial<Record<string, unknown>> | undefined;
    switch (input!.op) {
      case "get":
        if (out !== undefined && !isValue(out.value)) bad("get output must be { value: string | null }");
        break;
      case "put":
        if (typeof input!.value !== "string") bad("put value must be a string");
        break;
      case "del":
        break;
      case "cas":
        if (!isValue(input!.expected) || !isValue(input!.value)) bad("cas expected/value must be string | null");
        if (out !== undefined && typeof out.ok !== "boolean") bad("cas output must be { ok: boolean }");
        break;
      default:
        bad("input.op must be get, put, del or cas");
    }
  }
}
