import * as assert from "node:assert/strict";
import { encodeIdx, parseIdx } from "../../src/data/idx";
import { UserError } from "../../src/errors";

describe("data/idx", () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);

  it("round-trips shape and bytes", () => {
    const parsed = parseIdx(encodeIdx([2, 3, 4], data), "x.idx", [2, 3, 4]);
    assert.deepEqual(parsed.shape, [2, 3, 4]);
    assert.deepEqual(Array.from(parsed.data), Array.from(data));
  });

  it("rejects a bad magic number with the file and offset", () => {
    const buf = encodeIdx([2, 3, 4], data);
    buf[0] = 1;
    assert.throws(() => parseIdx(buf, "bad.idx"), (e: Error) => e instanceof UserError && /bad\.idx at byte offset 0/.test(e.message));
  });

  it("rejects a non-ubyte data type at offset 2", () => {
    const buf = encodeIdx([2], Uint8Array.of(1, 2));
    buf[2] = 0x0d;
    assert.throws(() => parseIdx(buf, "f.idx"), /offset 2: data type 0x0d/);
  });

  it("rejects a wrong dimension count or size", () => {
    const buf = encodeIdx([2, 3, 4], data);
    assert.throws(() => parseIdx(buf, "f.idx", [2, 3]), /offset 3: expected 2 dimensions/);
    assert.throws(() => parseIdx(buf, "f.idx", [5, 3, 4]), /offset 4: dimension 0 is 2, expected 5/);
  });

  it("rejects a truncated file, saying how many bytes are missing", () => {
    const buf = encodeIdx([2, 3, 4], data).subarray(0, 4 + 12 + 20);
    assert.throws(() => parseIdx(buf, "short.idx"), /short\.idx at byte offset 36: header promises 24 data bytes \(2x3x4\), file has 20/);
  });

  it("rejects a file shorter than the magic number", () => {
    assert.throws(() => parseIdx(Uint8Array.of(0, 0), "tiny.idx"), /tiny\.idx at byte offset 0: file is 2 bytes/);
  });
});
