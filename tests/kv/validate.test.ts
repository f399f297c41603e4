import * as assert from "node:assert/strict";
import { UserError } from "../../src/errors";
import {
  MAX_COMMAND_BYTES,
  MAX_KEY_BYTES,
  MAX_OPS,
  MAX_VALUE_BYTES,
  validateCommand,
  validateRangeQuery,
} from "../../src/kv/validate";

const b = (s: string | Buffer): string => Buffer.from(s).toString("base64");
const bytes = (n: number): string => Buffer.alloc(n, 1).toString("base64");

function refuses(x: unknown, pattern: RegExp, fn: (x: unknown) => unknown = validateCommand): void {
  assert.throws(() => fn(x), (err: unknown) => {
    assert.ok(err instanceof UserError, `not a UserError: ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  }, JSON.stringify(x)?.slice(0, 200));
}

describe("kv/validate", () => {
  it("exports the limits", () => {
    assert.deepEqual([MAX_KEY_BYTES, MAX_VALUE_BYTES, MAX_OPS], [4096, 1_048_576, 10_000]);
  });

  it("accepts every command shape and returns only known fields", () => {
    const cmds = [
      { op: "put", key: b("k"), value: "" },
      { op: "del", key: b("k"), client: "c", seq: 0 },
      { op: "batch", ops: [{ op: "put", key: b("a"), value: b("1") }, { op: "del", key: b("b") }] },
      {
        op: "txn",
        compare: [
          { key: b("a"), target: "value", result: "=", value: b("1") },
          { key: b("a"), target: "version", result: ">", value: 0 },
          { key: b("a"), target: "modRevision", result: "<", value: 5 },
          { key: b("a"), target: "createRevision", result: "!=", value: 2 },
        ],
        success: [{ op: "put", key: b("a"), value: b("2") }],
        failure: [],
      },
      { op: "delRange", gte: b("a"), lt: b("z"), limit: -1, reverse: true, client: "c", seq: 3 },
      { op: "delRange", gt: "", lte: b("\xff"), limit: 10 },
    ];
    for (const c of cmds) assert.deepEqual(validateCommand(c), c);
    assert.deepEqual(validateCommand({ op: "del", key: b("k"), client: undefined }), { op: "del", key: b("k") });
    assert.deepEqual(validateCommand({ op: "put", key: bytes(MAX_KEY_BYTES), value: bytes(MAX_VALUE_BYTES) }).op, "put");
  });

  it("names the field for shape errors", () => {
    refuses(null, /command must be an object/);
    refuses([], /command must be an object/);
    refuses({ op: "get" }, /command.op must be one of/);
    refuses({ op: "put", key: b("k"), value: b("v"), extra: 1 }, /command: unknown field 'extra'/);
    refuses({ op: "put", key: b("k") }, /command.value must be a base64 string/);
    refuses({ op: "put", key: "a!==", value: "" }, /command.key is not valid base64/);
    refuses({ op: "put", key: "abc", value: "" }, /command.key is not valid base64/);
    refuses({ op: "batch", ops: {} }, /ops must be an array/);
    refuses({ op: "batch", ops: [{ op: "put", key: b("a"), value: b("1") }, { op: "delRange" }] }, /ops\[1\].op must be "put" or "del"/);
    refuses({ op: "batch", ops: [{ op: "del", key: 5 }] }, /ops\[0\].key must be a base64 string/);
    refuses({ op: "txn", compare: [], success: [] }, /failure must be an array/);
    refuses({ op: "txn", compare: [{ key: b("a"), target: "lease", result: "=", value: 1 }], success: [], failure: [] }, /compare\[0\].target must be one of/);
    refuses({ op: "txn", compare: [{ key: b("a"), target: "version", result: ">=", value: 1 }], success: [], failure: [] }, /compare\[0\].result must be one of/);
    refuses({ op: "txn", compare: [{ key: b("a"), target: "version", result: "=", value: b("1") }], success: [], failure: [] }, /compare\[0\].value must be an integer >= 0/);
    refuses({ op: "txn", compare: [{ key: b("a"), target: "value", result: "=", value: 1 }], success: [], failure: [] }, /compare\[0\].value must be a base64 string/);
    refuses({ op: "txn", compare: [], success: [{ op: "put", key: b("a") }], failure: [] }, /success\[0\].value must be a base64/);
    refuses({ op: "delRange", limit: -2 }, /command.limit must be an integer >= -1/);
    refuses({ op: "delRange", limit: 1.5 }, /command.limit/);
    refuses({ op: "delRange", reverse: "yes" }, /command.reverse must be a boolean/);
    refuses({ op: "delRange", gte: 7 }, /command.gte must be a base64 string/);
    refuses({ op: "del", key: b("k"), client: "c" }, /client and seq must be given together/);
    refuses({ op: "del", key: b("k"), seq: 1 }, /client and seq must be given together/);
    refuses({ op: "del", key: b("k"), client: "", seq: 1 }, /command.client must be a non-empty string/);
    refuses({ op: "del", key: b("k"), client: "c", seq: -1 }, /command.seq must be an integer >= 0/);
    refuses({ op: "del", key: b("k"), client: "c", seq: 2 ** 53 }, /command.seq/);
  });

  it("names the field and the limit for sizes", () => {
    refuses({ op: "put", key: bytes(5000), value: "" }, /command.key: key is 5000 bytes; the limit is 4096/);
    refuses({ op: "put", key: b("k"), value: bytes(MAX_VALUE_BYTES + 1) }, /command.value: value is 1048577 bytes; the limit is 1048576/);
    refuses({ op: "batch", ops: [{ op: "del", key: b("a") }, { op: "del", key: bytes(4097) }] }, /ops\[1\].key: key is 4097 bytes; the limit is 4096/);
    refuses({ op: "delRange", lt: bytes(4097) }, /command.lt: bound is 4097 bytes; the limit is 4096/);
    const many = Array.from({ length: MAX_OPS + 1 }, () => ({ op: "del", key: b("a") }));
    refuses({ op: "batch", ops: many }, /ops has 10001 entries; the limit is 10000/);
    refuses({ op: "txn", compare: [], success: [], failure: many }, /failure has 10001 entries; the limit is 10000/);
    const big = Array.from({ length: 9 }, (_, i) => ({ op: "put", key: b(`k${i}`), value: bytes(MAX_VALUE_BYTES) }));
    refuses({ op: "batch", ops: big }, new RegExp(`ops\\[7\\].value: .*the limit is ${MAX_COMMAND_BYTES}`));
    refuses({ op: "del", key: b("k"), client: "c".repeat(257), seq: 1 }, /command.client is 257 bytes; the limit is 256/);
  });

  it("validates range queries", () => {
    const q = { gt: b("a"), gte: b("a"), lt: b("z"), lte: "", limit: 0, reverse: false, keysOnly: true };
    assert.deepEqual(validateRangeQuery(q), q);
    assert.deepEqual(validateRangeQuery({}), {});
    assert.deepEqual(validateRangeQuery({ limit: undefined, gte: b("a") }), { gte: b("a") });
    refuses(null, /query must be an object/, validateRangeQuery);
    refuses({ prefix: b("a") }, /query: unknown field 'prefix'/, validateRangeQuery);
    refuses({ limit: "3" }, /query.limit must be an integer >= -1/, validateRangeQuery);
    refuses({ keysOnly: 1 }, /query.keysOnly must be a boolean/, validateRangeQuery);
    refuses({ reverse: null }, /query.reverse must be a boolean/, validateRangeQuery);
    refuses({ gte: "%%%%" }, /query.gte is not valid base64/, validateRangeQuery);
    refuses({ lte: bytes(MAX_KEY_BYTES + 1) }, /query.lte: bound is 4097 bytes; the limit is 4096/, validateRangeQuery);
  });
});
