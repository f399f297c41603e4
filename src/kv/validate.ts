/**
 * Validation of commands and range queries arriving over the network (or into the Raft log): exact shapes,
 * no unknown fields, strict base64, integer counts and size limits. Each check throws a UserError naming
 * the field (e.g. "ops[2].key") and, for sizes, the limit. The result is a fresh object holding only the
 * known fields, so nothing extra reaches the log.
 */
import { UserError } from "../errors";
import type { Command, Compare, DelOp, PutOp, RangeBounds, RangeQuery } from "./commands";

export const MAX_KEY_BYTES = 4096;
export const MAX_VALUE_BYTES = 1_048_576;
/** Per batch, and per txn list (compare, success, failure). */
export const MAX_OPS = 10_000;
/** Keys plus values of one command: bounds the size of one Raft entry. */
export const MAX_COMMAND_BYTES = 8 * 1_048_576;
export const MAX_CLIENT_BYTES = 256;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Obj = Record<string, unknown>;

function object(x: unknown, field: string): Obj {
  if (typeof x !== "object" || x === null || Array.isArray(x)) throw new UserError(`${field} must be an object`);
  return x as Obj;
}

/** Rejects unknown fields; a field set to undefined counts as absent (in-process callers spread options). */
function onlyFields(o: Obj, allowed: readonly string[], field: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k) && o[k] !== undefined) throw new UserError(`${field}: unknown field '${k}'`);
  }
}

/** Counts decoded bytes into `budget` (the command's running total) and checks the per-field limit. */
function base64(x: unknown, field: string, limit: number, what: string, budget?: { bytes: number }): string {
  if (typeof x !== "string") throw new UserError(`${field} must be a base64 string`);
  if (!BASE64.test(x)) throw new UserError(`${field} is not valid base64`);
  const bytes = (x.length / 4) * 3 - (x.endsWith("==") ? 2 : x.endsWith("=") ? 1 : 0);
  if (bytes > limit) throw new UserError(`${field}: ${what} is ${bytes} bytes; the limit is ${limit}`);
  if (budget) {
    budget.bytes += bytes;
    if (budget.bytes > MAX_COMMAND_BYTES) {
      throw new UserError(`${field}: the command carries more than ${MAX_COMMAND_BYTES} bytes of keys and values; the limit is ${MAX_COMMAND_BYTES}`);
    }
  }
  return x;
}

/** Empty keys are allowed, as in LevelDB and abstract-level (whose compliance suite writes one). */
function key(x: unknown, field: string, budget: { bytes: number }): string {
  return base64(x, field, MAX_KEY_BYTES, "key", budget);
}

function count(x: unknown, field: string, min: number): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min) throw new UserError(`${field} must be an integer >= ${min}`);
  return x;
}

function bool(x: unknown, field: string): boolean {
  if (typeof x !== "boolean") throw new UserError(`${field} must be a boolean`);
  return x;
}

function list(x: unknown, field: string): unknown[] {
  if (!Array.isArray(x)) throw new UserError(`${field} must be an array`);
  if (x.length > MAX_OPS) throw new UserError(`${field} has ${x.length} entries; the limit is ${MAX_OPS}`);
  return x;
}

/** Bounds may be empty ("" sorts before every key); they are not keys. */
function bounds(o: Obj, field: string, out: RangeBounds): void {
  for (const b of ["gt", "gte", "lt", "lte"] as const) {
    if (o[b] !== undefined) out[b] = base64(o[b], `${field}.${b}`, MAX_KEY_BYTES, "bound");
  }
}

function limit(o: Obj, field: string): number | undefined {
  return o.limit === undefined ? undefined : count(o.limit, `${field}.limit`, -1);
}

function putOrDel(x: unknown, field: string, budget: { bytes: number }): PutOp | DelOp {
  const o = object(x, field);
  if (o.op === "put") {
    onlyFields(o, ["op", "key", "value"], field);
    const k = key(o.key, `${field}.key`, budget);
    return { op: "put", key: k, value: base64(o.value, `${field}.value`, MAX_VALUE_BYTES, "value", budget) };
  }
  if (o.op === "del") {
    onlyFields(o, ["op", "key"], field);
    return { op: "del", key: key(o.key, `${field}.key`, budget) };
  }
  throw new UserError(`${field}.op must be "put" or "del", not ${JSON.stringify(o.op)}`);
}

const TARGETS = ["value", "version", "modRevision", "createRevision"] as const;
const RESULTS = ["=", "!=", "<", ">"] as const;

function compare(x: unknown, field: string, budget: { bytes: number }): Compare {
  const o = object(x, field);
  onlyFields(o, ["key", "target", "result", "value"], field);
  const k = key(o.key, `${field}.key`, budget);
  const target = TARGETS.find((t) => t === o.target);
  if (!target) throw new UserError(`${field}.target must be one of ${TARGETS.join(", ")}`);
  const result = RESULTS.find((r) => r === o.result);
  if (!result) throw new UserError(`${field}.result must be one of ${RESULTS.join(" ")}`);
  const value =
    target === "value"
      ? base64(o.value, `${field}.value`, MAX_VALUE_BYTES, "value", budget)
      : count(o.value, `${field}.value`, 0);
  return { key: k, target, result, value };
}

export function validateCommand(x: unknown): Command {
  const o = object(x, "command");
  const budget = { bytes: 0 };
  const session = ["client", "seq"];
  let cmd: Command;
  switch (o.op) {
    case "put":
    case "del":
      onlyFields(o, [...(o.op === "put" ? ["op", "key", "value"] : ["op", "key"]), ...session], "command");
      cmd = putOrDel({ ...o, client: undefined, seq: undefined }, "command", budget);
      break;
    case "batch":
      onlyFields(o, ["op", "ops", ...session], "command");
      cmd = { op: "batch", ops: list(o.ops, "ops").map((op, i) => putOrDel(op, `ops[${i}]`, budget)) };
      break;
    case "txn":
      onlyFields(o, ["op", "compare", "success", "failure", ...session], "command");
      cmd = {
        op: "txn",
        compare: list(o.compare, "compare").map((c, i) => compare(c, `compare[${i}]`, budget)),
        success: list(o.success, "success").map((op, i) => putOrDel(op, `success[${i}]`, budget)),
        failure: list(o.failure, "failure").map((op, i) => putOrDel(op, `failure[${i}]`, budget)),
      };
      break;
    case "delRange": {
      onlyFields(o, ["op", "gt", "gte", "lt", "lte", "limit", "reverse", ...session], "command");
      const d: Command = { op: "delRange" };
      bounds(o, "command", d);
      const l = limit(o, "command");
      if (l !== undefined) d.limit = l;
      if (o.reverse !== undefined) d.reverse = bool(o.reverse, "command.reverse");
      cmd = d;
      break;
    }
    default:
      throw new UserError(`command.op must be one of put, del, batch, txn, delRange, not ${JSON.stringify(o.op)}`);
  }
  if ((o.client === undefined) !== (o.seq === undefined)) throw new UserError("command: client and seq must be given together");
  if (o.client !== undefined) {
    if (typeof o.client !== "string" || o.client.length === 0) throw new UserError("command.client must be a non-empty string");
    const n = Buffer.byteLength(o.client, "utf8");
    if (n > MAX_CLIENT_BYTES) throw new UserError(`command.client is ${n} bytes; the limit is ${MAX_CLIENT_BYTES}`);
    cmd.client = o.client;
    cmd.seq = count(o.seq, "command.seq", 0);
  }
  return cmd;
}

export function validateRangeQuery(x: unknown): RangeQuery {
  const o = object(x, "query");
  onlyFields(o, ["gt", "gte", "lt", "lte", "limit", "reverse", "keysOnly"], "query");
  const q: RangeQuery = {};
  bounds(o, "query", q);
  const l = limit(o, "query");
  if (l !== undefined) q.limit = l;
  if (o.reverse !== undefined) q.reverse = bool(o.reverse, "query.reverse");
  if (o.keysOnly !== undefined) q.keysOnly = bool(o.keysOnly, "query.keysOnly");
  return q;
}
