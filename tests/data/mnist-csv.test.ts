import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { MNIST_CSV_HEADER, readMnistCsv, writeMnistCsv } from "../../src/data/mnist-csv";
import { MNIST_PIXELS } from "../../src/data/mnist";
import { UserError } from "../../src/errors";
import { tempDir } from "../support/tmp";

describe("data/mnist-csv", () => {
  const dir = tempDir();
  const images = Uint8Array.from({ length: 3 * MNIST_PIXELS }, (_, i) => (i * 7) % 256);
  const split = { n: 3, images, labels: Uint8Array.of(7, 0, 9) };

  it("writes label,pixel0..pixel783 and reads it back unchanged", async () => {
    const file = path.join(dir, "mnist.csv");
    await writeMnistCsv(file, split);
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    assert.equal(lines[0], MNIST_CSV_HEADER);
    assert.equal(lines.length, 4);
    // pixel x sits at row floor(x/28), column x mod 28: the row-major order of the idx images.
    assert.equal(lines[1].split(",")[1 + 28 * 2 + 5], String(images[28 * 2 + 5]));
    const back = await readMnistCsv(file);
    assert.equal(back.n, 3);
    assert.deepEqual(Array.from(back.labels), [7, 0, 9]);
    assert.deepEqual(back.images, images);
  });

  it("accepts a quoted header and CRLF line ends", async () => {
    const file = path.join(dir, "quoted.csv");
    const header = MNIST_CSV_HEADER.split(",").map((c) => `"${c}"`).join(",");
    fs.writeFileSync(file, `${header}\r\n3,${new Array(MNIST_PIXELS).fill(0).join(",")}\r\n`);
    const back = await readMnistCsv(file);
    assert.deepEqual(Array.from(back.labels), [3]);
  });

  const bad = async (name: string, content: string, pattern: RegExp) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    await assert.rejects(readMnistCsv(file), (e: Error) => e instanceof UserError && pattern.test(e.message));
  };
  const row = (label: string, px = new Array(MNIST_PIXELS).fill("0")) => [label, ...px].join(",");

  it("names the line of a wrong header", () => bad("h.csv", "label,a,b\n", /h\.csv:1: header must be/));
  it("names the line of a short row", () => bad("s.csv", `${MNIST_CSV_HEADER}\n${row("1")}\n1,2,3\n`, /s\.csv:3: expected 785 values, found 3/));
  it("names line and column of a pixel out of range", () => {
    const px = new Array(MNIST_PIXELS).fill("0");
    px[17] = "256";
    return bad("p.csv", `${MNIST_CSV_HEADER}\n${row("4", px)}\n`, /p\.csv:2: pixel17 must be an integer 0-255, got "256"/);
  });
  it("accepts a header after a UTF-8 byte-order mark", async () => {
    const file = path.join(dir, "bom.csv");
    fs.writeFileSync(file, `\uFEFF${MNIST_CSV_HEADER}\n${row("7")}\n`);
    assert.deepEqual(Array.from((await readMnistCsv(file)).labels), [7]);
  });
  for (const value of ["1e2", "0x1F", "+5", " 12", "-0", "3.0"]) {
    it(`rejects the pixel value "${value}": plain decimal digits only`, () => {
      const px = new Array(MNIST_PIXELS).fill("0");
      px[5] = value;
      return bad("d.csv", `${MNIST_CSV_HEADER}\n${row("1", px)}\n`, new RegExp(`d\\.csv:2: pixel5 must be an integer 0-255, got "${value.replace(/[+.]/g, "\\$&")}"`));
    });
  }
  it("rejects a label that is not a digit", () => bad("l.csv", `${MNIST_CSV_HEADER}\n${row("x")}\n`, /l\.csv:2: label must be an integer 0-9, got "x"/));
  it("rejects an empty file and a missing one", async () => {
    await bad("e.csv", "", /e\.csv is empty/);
    await assert.rejects(readMnistCsv(path.join(dir, "nope.csv")), /does not exist/);
  });
});
